// Typed errors whose class and code carry the decision: input and tool errors fail a job at
// once, infrastructure errors retry with backoff. Messages are one line a client can show as is.

/** Every code a BioQueueError can carry; error-mapping.ts gives each its status and exit code. */
export const ERROR_CODES = [
  'input_invalid', // the caller's input is wrong: a field, a file, a URL
  'payload_too_large', // a request body or an upload is larger than its configured limit
  'tool_failed', // the tool ran and exited non-zero (or was killed by a signal it did not expect)
  'tool_missing', // the tool's binary is not installed on the worker
  'timeout', // the job passed its time limit
  'cancelled', // someone cancelled the job
  'output_too_large', // the tool wrote more than its output or work dir limit allows
  'memory_limit', // the tool used more memory than the job's limit
  'not_found', // no such job (or not the caller's)
  'unauthorized', // no API key, or not a valid one (HTTP only)
  'forbidden', // a signed link that expired or was altered; a Host or Origin the server refuses
  'rate_limited', // too many submissions for one API key (HTTP only)
  'quota_exceeded', // the owner keeps more bytes in storage than BIO_QUEUE_OWNER_QUOTA_BYTES allows
  'conflict', // another submission with the same idempotency_key is still being made
  'infrastructure', // Redis, disk, network, a lost worker: worth retrying
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  field?: string;
  command?: string[];
  exit_code?: number | null;
  signal?: string | null;
  stderr_tail?: string;
  hint?: string;
  /** rate_limited: seconds until a submission is accepted again. */
  retry_after_seconds?: number;
  /** unauthorized: parameters of the Bearer challenge beside its realm (RFC 6750 error, RFC 9728 resource_metadata). */
  challenge?: Record<string, string>;
}

export class BioQueueError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BioQueueError';
  }

  /** Only the infrastructure's failures are worth another attempt. */
  get retryable(): boolean {
    return this.code === 'infrastructure';
  }
}

/** A bad value in a named field, e.g. inputError('query', 'file is empty'). */
export function inputError(field: string, reason: string): BioQueueError {
  return new BioQueueError('input_invalid', `${field}: ${reason}`, { field });
}

// ioredis gives up on a command after its reconnect attempts, or refuses it while closed.
function isRedisUnavailable(err: Error): boolean {
  return err.name === 'MaxRetriesPerRequestError' || /Connection is closed|ECONNREFUSED|ENOENT.*\.sock|Stream isn't writeable/.test(err.message);
}

/**
 * Our error for anything thrown: ours as it is, Redis outages as an infrastructure error with a
 * message for people, and undefined for the rest (an internal fault, for the caller to log).
 */
export function asBioQueueError(err: unknown): BioQueueError | undefined {
  if (err instanceof BioQueueError) return err;
  if (err instanceof Error && isRedisUnavailable(err)) {
    return new BioQueueError(
      'infrastructure',
      'Redis is not reachable, so the job queue cannot be read or written right now; try again shortly (bio-mcp-queue doctor checks the connection)',
      {},
      { cause: err },
    );
  }
  return undefined;
}

/** The error as stored with a failed job and shown to clients. */
export interface StoredError extends ErrorDetails {
  code: ErrorCode;
  message: string;
}

export function toStoredError(err: unknown): StoredError {
  if (err instanceof BioQueueError) return { code: err.code, message: err.message, ...err.details };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'infrastructure', message };
}

// BullMQ keeps only a failed job's message; we store the structured error there as JSON and
// read back anything else (a stalled job, BullMQ's own messages) as an infrastructure failure.
export function encodeStoredError(error: StoredError): string {
  return JSON.stringify(error);
}

export function decodeStoredError(failedReason: string | undefined): StoredError | undefined {
  if (!failedReason) return undefined;
  try {
    const parsed = JSON.parse(failedReason) as StoredError;
    if (parsed && typeof parsed.code === 'string' && typeof parsed.message === 'string') return parsed;
  } catch {
    // not ours: fall through
  }
  if (failedReason === BULLMQ_STALLED_TOO_OFTEN) {
    return {
      code: 'infrastructure',
      message: `the workers running this job stopped (died, were killed or froze) more often than BIO_QUEUE_MAX_ATTEMPTS allows; the job is failed rather than run again, in case it is what kills them (the workers' logs say why they stopped)`,
    };
  }
  return { code: 'infrastructure', message: failedReason };
}

// BullMQ's own reason for a job whose lock lapsed more than maxStalledCount times.
const BULLMQ_STALLED_TOO_OFTEN = 'job stalled more than allowable limit';
