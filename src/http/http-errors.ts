// The one mapping from errors to HTTP: our BioQueueError codes to statuses, plus the few
// problems only HTTP has (a refused Host, a body too large, a route that does not exist).
// Every error body is {code, message, field?}: one shape a client can rely on everywhere.
import type { ErrorRequestHandler, Response } from 'express';
import { asBioQueueError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

export type HttpErrorCode = ErrorCode | 'forbidden' | 'payload_too_large' | 'internal_error';

export interface ErrorBody {
  code: HttpErrorCode;
  message: string;
  field?: string;
}

/** A problem of the HTTP layer itself, with its status decided where it is thrown. */
export class HttpError extends Error {
  readonly headers: Record<string, string>;
  readonly field: string | undefined;

  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    options: { headers?: Record<string, string>; field?: string | undefined } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.headers = options.headers ?? {};
    this.field = options.field;
  }
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  input_invalid: 400,
  unauthorized: 401,
  not_found: 404,
  rate_limited: 429,
  infrastructure: 503,
};

// body-parser's errors carry a `type`; these two are the client's fault, not ours.
interface BodyParserError {
  type: string;
  message: string;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' && (err as { type: string }).type.startsWith('entity.');
}

/** Status, headers and body for anything thrown; unknown errors are internal (and logged). */
export function toHttpError(err: unknown, maxBodyBytes: number): HttpError {
  if (err instanceof HttpError) return err;
  if (isBodyParserError(err)) {
    if (err.type === 'entity.too.large') {
      return new HttpError(413, 'payload_too_large', `body: larger than the ${maxBodyBytes}-byte limit (BIO_QUEUE_MAX_BODY_BYTES); send files through POST /uploads instead`);
    }
    const reason = err.type === 'entity.parse.failed' ? `not valid JSON (${err.message})` : err.message;
    return new HttpError(400, 'input_invalid', `body: ${reason}`, { field: 'body' });
  }
  const known = asBioQueueError(err);
  if (known) {
    const headers: Record<string, string> = {};
    if (known.code === 'rate_limited' && known.details.retry_after_seconds !== undefined) headers['Retry-After'] = String(known.details.retry_after_seconds);
    return new HttpError(STATUS_OF[known.code] ?? 500, known.code, known.message, { headers, field: known.details.field });
  }
  return new HttpError(500, 'internal_error', `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

/** Writes the error as JSON, or ends the response when headers are already out (a stream). */
export function sendError(res: Response, err: unknown, log: Logger, maxBodyBytes: number): void {
  const http = toHttpError(err, maxBodyBytes);
  // Our own refusals (503 while starting) are expected and say it all; outages and faults are
  // worth a warning or an error with their cause.
  if (err instanceof HttpError) log.debug({ status: http.status }, http.message);
  else if (http.status >= 500) log[http.code === 'internal_error' ? 'error' : 'warn']({ err }, http.message);
  if (res.headersSent) {
    res.end();
    return;
  }
  const body: ErrorBody = { code: http.code, message: http.message, ...(http.field === undefined ? {} : { field: http.field }) };
  res.status(http.status).set(http.headers).json(body);
}

/** Express's last error handler: every route's thrown or rejected error ends here. */
export function errorHandler(log: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (err, _req, res, _next) => sendError(res, err, log, maxBodyBytes);
}
