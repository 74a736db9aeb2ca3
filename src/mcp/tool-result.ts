// The one mapping from our errors to MCP tool results. Tool failures are results the caller can
// read and act on (isError: true); only protocol problems are protocol errors.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BioQueueError } from '../errors.js';
import type { Logger } from '../logger.js';

export function toolSuccess(structured: object, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
}

export function toolFailure(err: unknown, log: Logger): CallToolResult {
  if (err instanceof BioQueueError) {
    return { content: [{ type: 'text', text: `${err.code}: ${err.message}` }], isError: true };
  }
  if (isRedisUnavailable(err)) {
    log.warn({ err }, 'Redis is not reachable');
    return {
      content: [{ type: 'text', text: 'infrastructure: Redis is not reachable, so the job queue cannot be read or written right now; try again shortly (bio-mcp-queue doctor checks the connection)' }],
      isError: true,
    };
  }
  // Not ours: an internal fault. Say so without leaking a stack; log the details.
  log.error({ err }, 'tool call failed');
  const message = err instanceof Error ? err.message : String(err);
  return { content: [{ type: 'text', text: `internal_error: ${message}` }], isError: true };
}

// ioredis gives up on a command after its reconnect attempts, or refuses it while closed.
function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || /Connection is closed|ECONNREFUSED|ENOENT.*\.sock|Stream isn't writeable/.test(err.message);
}

/** Runs a handler and turns any error into a tool result. */
export async function asToolResult(log: Logger, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    return toolFailure(err, log);
  }
}
