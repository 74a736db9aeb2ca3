// What counts as a clear refusal of a bad input, per door. MCP: an `isError` tool result whose
// code is the caller's fault (input_invalid, not_found for a job that does not exist,
// payload_too_large), or the SDK's own invalid-params answer (-32602); REST: a 4xx with our error
// body. Either way the message must name a field the input broke (or the job it named), and it
// is never an internal error (500, -32603), a retryable infrastructure error or an acceptance.
// Each check returns the problem in one line, or undefined when the answer is clear.
import { McpError } from '@modelcontextprotocol/sdk/types.js';

/** What a clear answer to one bad input must name: one of the broken fields, or the unknown job. */
export interface Blame {
  fields: readonly string[];
  /** A job id that does not exist: not_found naming it is a clear answer too. */
  jobId?: string;
}

type ToolAnswer = { isError?: boolean; content?: { type: string; text?: string }[]; structuredContent?: unknown };

const CALLER_CODES = ['input_invalid', 'not_found', 'payload_too_large'] as const;

/** Whether text names the field: as is, JSON-escaped, or quoted when the name is empty. */
export function namesField(text: string, field: string): boolean {
  if (field === '') return text.includes('""');
  return text.includes(field) || text.includes(JSON.stringify(field).slice(1, -1));
}

function namesBlame(text: string, blame: Blame, field?: string): boolean {
  if (field !== undefined && blame.fields.includes(field)) return true;
  if (blame.fields.some((f) => namesField(text, f))) return true;
  return blame.jobId !== undefined && text.includes(`"${blame.jobId}"`);
}

/** The problem with an MCP tool call's outcome: its result, or what callTool threw. */
export function mcpProblem(outcome: { result: unknown } | { thrown: unknown }, blame: Blame): string | undefined {
  if ('thrown' in outcome) {
    const err = outcome.thrown;
    if (err instanceof McpError && err.code === -32602) return namesBlame(err.message, blame) ? undefined : `invalid-params error names none of ${show(blame)}: ${err.message}`;
    if (err instanceof McpError) return `JSON-RPC error ${err.code}: ${err.message}`;
    return `the call failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  const result = outcome.result as ToolAnswer;
  const text = (result.content ?? []).map((c) => c.text ?? '').join(' ');
  if (result.isError !== true) return `accepted: ${JSON.stringify(result.structuredContent ?? text)}`;
  const sdkInvalidParams = text.startsWith('MCP error -32602: ');
  if (!sdkInvalidParams && !CALLER_CODES.some((code) => text.startsWith(`${code}: `))) return `not a caller's error: ${text}`;
  return namesBlame(text, blame) ? undefined : `error names none of ${show(blame)}: ${text}`;
}

/** The problem with a REST answer to a bad request. */
export function restProblem(answer: { status: number; body: unknown }, blame: Blame): string | undefined {
  const { status, body } = answer;
  if (status < 400 || status >= 500 || status === 429) return `HTTP ${status}: ${JSON.stringify(body)}`;
  if (typeof body !== 'object' || body === null) return `HTTP ${status} without an error body: ${JSON.stringify(body)}`;
  const { code, message, field } = body as { code?: unknown; message?: unknown; field?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string') return `HTTP ${status} with a body that is not {code, message}: ${JSON.stringify(body)}`;
  if (!(CALLER_CODES as readonly string[]).includes(code)) return `HTTP ${status} ${code}: ${message}`;
  return namesBlame(message, blame, typeof field === 'string' ? field : undefined) ? undefined : `HTTP ${status} names none of ${show(blame)}: ${JSON.stringify(body)}`;
}

function show(blame: Blame): string {
  return JSON.stringify(blame.jobId === undefined ? blame.fields : [...blame.fields, blame.jobId]);
}
