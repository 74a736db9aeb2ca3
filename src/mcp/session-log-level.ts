// The log level a client chose with logging/setLevel, for the one session this server serves.
// The SDK's own handler keeps levels in a private map that only its unrelated-notification path
// reads; our log messages (a followed job's stderr) go out as notifications related to the
// wait_for_job call that follows it, so the level is kept here where that call can ask.
// Until the client sets one, everything is sent, as the SDK does.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

export interface SessionLogLevel {
  /** Whether a message at `level` is at or above the level the client set. */
  allows(level: LoggingLevel): boolean;
}

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));

/** Answers logging/setLevel on this server (the SDK validates the level) and remembers it. */
export function trackLogLevel(server: McpServer): SessionLogLevel {
  let chosen: LoggingLevel | undefined;
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    chosen = request.params.level;
    return {};
  });
  return {
    allows: (level) => chosen === undefined || SEVERITY.get(level)! >= SEVERITY.get(chosen)!,
  };
}
