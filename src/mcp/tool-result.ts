// The one mapping from our errors to MCP tool results. Tool failures are results the caller can
// read and act on (isError: true); only protocol problems are protocol errors.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { asBioQueueError } from '../errors.js';
import type { Logger } from '../logger.js';

export function toolSuccess(structured: object, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
}

export function toolFailure(err: unknown, log: Logger): CallToolResult {
  const known = asBioQueueError(err);
  if (known) {
    if (known.code === 'infrastructure') log.warn({ err }, known.message);
    return { content: [{ type: 'text', text: `${known.code}: ${known.message}` }], isError: true };
  }
  // Not ours: an internal fault. Say so without leaking a stack; log the details.
  log.error({ err }, 'tool call failed');
  const message = err instanceof Error ? err.message : String(err);
  return { content: [{ type: 'text', text: `internal_error: ${message}` }], isError: true };
}

/** Runs a handler and turns any error into a tool result. */
export async function asToolResult(log: Logger, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    return toolFailure(err, log);
  }
}
