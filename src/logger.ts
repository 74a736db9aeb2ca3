// JSON logs on stderr: over stdio, stdout is the MCP protocol and must carry nothing else.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'bio-mcp-queue'): Logger {
  return pino({ name, level }, pino.destination({ fd: 2, sync: false }));
}
