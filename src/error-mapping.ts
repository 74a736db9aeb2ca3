// The one mapping from anything thrown to what each door shows: the code and one-line message
// every adapter sends, the HTTP status and headers, the command's exit code, and how loudly to
// log it. MCP results (src/mcp/tool-result.ts), HTTP answers (src/http/http-errors.ts) and the
// command (src/cli/command.ts) all read their verdict here, and it is chosen by the code alone,
// never by a field name or the wording of a message.
import { ConfigError } from './config.js';
import { asBioQueueError, type ErrorCode } from './errors.js';

/** The codes a caller can see: ours, a configuration that does not load, and a fault of our own. */
export type FailureCode = ErrorCode | 'config_invalid' | 'internal_error';

export type FailureLogLevel = 'error' | 'warn' | 'debug';

export interface Verdict {
  status: number;
  exitCode: number;
  /** Faults of ours: error; infrastructure (someone should look): warn; the caller's or a job's own failure: debug. */
  log: FailureLogLevel;
}

// The command's exit codes (the README's "Exit codes" table lists them): 0 done, 1 the run or
// the job failed, 2 what was given must change (a flag, a variable, a key, a job id), 3 the job
// was cancelled, 4 the server, Redis or storage could not be reached (worth trying again later),
// 5 the job has not finished yet (`result` of a queued or running job), 130 Ctrl-C stopped a
// `submit --wait` (as a shell reports SIGINT; the job goes on).
export const EXIT_CODES = Object.freeze({ ok: 0, failed: 1, changeInput: 2, cancelled: 3, unreachable: 4, notFinished: 5, interrupted: 130 });
const CHANGE_INPUT = EXIT_CODES.changeInput;
const FAILED = EXIT_CODES.failed;

export const VERDICTS: Readonly<Record<FailureCode, Readonly<Verdict>>> = Object.freeze({
  input_invalid: { status: 400, exitCode: CHANGE_INPUT, log: 'debug' },
  payload_too_large: { status: 413, exitCode: CHANGE_INPUT, log: 'debug' },
  unauthorized: { status: 401, exitCode: CHANGE_INPUT, log: 'debug' },
  forbidden: { status: 403, exitCode: CHANGE_INPUT, log: 'debug' },
  not_found: { status: 404, exitCode: CHANGE_INPUT, log: 'debug' },
  config_invalid: { status: 500, exitCode: CHANGE_INPUT, log: 'debug' },
  rate_limited: { status: 429, exitCode: FAILED, log: 'debug' },
  // Refused until stored files pass retention: the request was understood and is not to be
  // repeated as it is, so neither 429 (seconds) nor 507 (a fault of the server's).
  quota_exceeded: { status: 403, exitCode: FAILED, log: 'debug' },
  conflict: { status: 409, exitCode: FAILED, log: 'debug' },
  // A job's own outcomes: clients read them in the job's status; should one reach a call
  // directly it is no fault of the caller's request.
  tool_failed: { status: 500, exitCode: FAILED, log: 'debug' },
  tool_missing: { status: 500, exitCode: FAILED, log: 'debug' },
  timeout: { status: 500, exitCode: FAILED, log: 'debug' },
  cancelled: { status: 500, exitCode: EXIT_CODES.cancelled, log: 'debug' },
  output_too_large: { status: 500, exitCode: FAILED, log: 'debug' },
  memory_limit: { status: 500, exitCode: FAILED, log: 'debug' },
  infrastructure: { status: 503, exitCode: EXIT_CODES.unreachable, log: 'warn' },
  internal_error: { status: 500, exitCode: FAILED, log: 'error' },
});

/** What every adapter needs to report one failure. */
export interface MappedError extends Verdict {
  code: FailureCode;
  /** One line a client can show as is (a configuration that does not load lists a line per problem). */
  message: string;
  /** The input field at fault, when there is one. */
  field: string | undefined;
  /** Headers an HTTP answer carries beside the status. */
  headers: Record<string, string>;
}

/** The verdict for anything thrown; anything not ours is an internal fault. */
export function mapError(err: unknown): MappedError {
  if (err instanceof ConfigError) return mapped('config_invalid', err.message, undefined, {});
  const known = asBioQueueError(err);
  if (known) {
    const headers: Record<string, string> = {};
    if (known.code === 'rate_limited' && known.details.retry_after_seconds !== undefined) headers['Retry-After'] = String(known.details.retry_after_seconds);
    // Every 401 names the scheme that would work (RFC 9110).
    if (known.code === 'unauthorized') headers['WWW-Authenticate'] = bearerChallenge(known.details.challenge ?? {});
    // The rest of an oversized body is not read; closing lets the client see the answer at once.
    if (known.code === 'payload_too_large') headers.Connection = 'close';
    return mapped(known.code, known.message, known.details.field, headers);
  }
  return mapped('internal_error', err instanceof Error ? err.message : String(err), undefined, {});
}

// `Bearer realm="bio-mcp-queue", name="value", …`, each value a quoted string (RFC 9110 section 11.2).
function bearerChallenge(parameters: Record<string, string>): string {
  const quoted = (value: string) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return ['Bearer realm="bio-mcp-queue"', ...Object.entries(parameters).map(([name, value]) => `${name}=${quoted(value)}`)].join(', ');
}

function mapped(code: FailureCode, message: string, field: string | undefined, headers: Record<string, string>): MappedError {
  return { code, message, field, headers, ...VERDICTS[code] };
}

/** A job's state as the terminal commands end on it: what a script reads from `submit --wait`, `status` and `result`. */
export type JobStateName = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * The exit code for a job in this state. Any failed job exits 1, whatever its error's code: the
 * job's error says why. unfinished: what a job still queued or running means to the command
 * (0 for `status`, which reported it; 5 for `result`, which has nothing to give yet).
 */
export function jobExitCode(state: JobStateName, unfinished: number = EXIT_CODES.ok): number {
  if (state === 'completed') return EXIT_CODES.ok;
  if (state === 'failed') return EXIT_CODES.failed;
  if (state === 'cancelled') return EXIT_CODES.cancelled;
  return unfinished;
}
