// The log level a client chose with logging/setLevel, for the one session this server serves.
// The SDK's own handler keeps levels in a private map that only its unrelated-notification path
// reads; our log messages (a followed job's stderr) go out as notifications related to the
// wait_for_job call that follows it, so the level is kept here where that call can ask.
// Until the client sets one, everything is sent, as the SDK does. The level is a value a
// transport can seed and hear of (SessionLogLevelState), so a session that moves between
// `serve` replicas keeps it (src/http/mcp-session-records.ts).
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

export interface SessionLogLevel {
  /** Whether a message at `level` is at or above the level the client set. */
  allows(level: LoggingLevel): boolean;
}

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));

/** The level of one session: undefined until the client sets one. */
export class SessionLogLevelState implements SessionLogLevel {
  constructor(
    public chosen: LoggingLevel | undefined = undefined,
    /** Told of each level the client sets, before the client gets its answer. */
    private readonly onChosen?: (level: LoggingLevel) => Promise<void>,
  ) {}

  allows(level: LoggingLevel): boolean {
    return this.chosen === undefined || SEVERITY.get(level)! >= SEVERITY.get(this.chosen)!;
  }

  async choose(level: LoggingLevel): Promise<void> {
    this.chosen = level;
    await this.onChosen?.(level);
  }
}

/** Answers logging/setLevel on this server (the SDK validates the level) and remembers it in `state`. */
export function trackLogLevel(server: Server, state = new SessionLogLevelState()): SessionLogLevel {
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    await state.choose(request.params.level);
    return {};
  });
  return state;
}
