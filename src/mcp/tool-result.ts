// Tool answers: a success carries structured content and a line of text; a failure is a result
// the caller can read and act on (isError: true, "<code>: <message>"), with its code and log
// level from error-mapping.ts. Only protocol problems are protocol errors.
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { mapError } from '../error-mapping.js';
import type { Logger } from '../logger.js';

/** `more`: content after the text line, such as resource links to a job's files. */
export function toolSuccess(structured: object, text: string, more: ContentBlock[] = []): CallToolResult {
  return { content: [{ type: 'text', text }, ...more], structuredContent: structured as Record<string, unknown> };
}

export function toolFailure(err: unknown, log: Logger): CallToolResult {
  const failure = mapError(err);
  // The whole error goes to the log (an internal fault's stack included); the caller gets one line.
  log[failure.log]({ err, code: failure.code }, failure.message);
  return { content: [{ type: 'text', text: `${failure.code}: ${failure.message}` }], isError: true };
}

/** Runs a handler and turns any error into a tool result. */
export async function asToolResult(log: Logger, run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (err) {
    return toolFailure(err, log);
  }
}
