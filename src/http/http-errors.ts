// Errors as HTTP answers. Status, headers and log level come from error-mapping.ts by code; this
// file adds only what HTTP alone has: its own refusals (a refused Host, a route that does not
// exist, the server starting) and body-parser's errors, each given one of the same codes.
// Every error body is {code, message, field?}: one shape a client can rely on everywhere.
import type { ErrorRequestHandler, Response } from 'express';
import { mapError, type FailureCode, type MappedError } from '../error-mapping.js';
import { BioQueueError, inputError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

export interface ErrorBody {
  code: FailureCode;
  message: string;
  field?: string;
}

/**
 * A refusal of the HTTP layer itself. Its code decides the status like any other; being
 * expected (a request during start-up, an unknown route), it is logged at debug whatever the code.
 */
export class HttpError extends BioQueueError {
  constructor(code: ErrorCode, message: string, field?: string) {
    super(code, message, field === undefined ? {} : { field });
    this.name = 'HttpError';
  }
}

// body-parser's errors carry a `type` starting "entity."; all are the client's doing.
interface BodyParserError {
  type: string;
  message: string;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' && (err as { type: string }).type.startsWith('entity.');
}

/** The verdict for anything a route threw, body-parser's errors given our codes first. */
export function httpFailure(err: unknown, maxBodyBytes: number): MappedError {
  if (isBodyParserError(err)) {
    if (err.type === 'entity.too.large') {
      return mapError(new BioQueueError('payload_too_large', `body: larger than the ${maxBodyBytes}-byte limit (BIO_QUEUE_MAX_BODY_BYTES); send files through POST /uploads instead`));
    }
    return mapError(inputError('body', err.type === 'entity.parse.failed' ? `not valid JSON (${err.message})` : err.message));
  }
  return mapError(err);
}

/** Writes the error as JSON, or ends the response when headers are already out (a stream). */
export function sendError(res: Response, err: unknown, log: Logger, maxBodyBytes: number): void {
  const failure = httpFailure(err, maxBodyBytes);
  log[err instanceof HttpError ? 'debug' : failure.log]({ err, status: failure.status }, failure.message);
  if (res.headersSent) {
    res.end();
    return;
  }
  const body: ErrorBody = { code: failure.code, message: failure.message, ...(failure.field === undefined ? {} : { field: failure.field }) };
  res.status(failure.status).set(failure.headers).json(body);
}

/** Express's last error handler: every route's thrown or rejected error ends here. */
export function errorHandler(log: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (err, _req, res, _next) => sendError(res, err, log, maxBodyBytes);
}
