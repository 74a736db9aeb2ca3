// Errors as HTTP answers. Status, headers and log level come from error-mapping.ts by code; this
// file adds only what HTTP alone has: its own refusals (a refused Host, a route that does not
// exist, the server starting), the body's shape, and a client that hung up.
// REST routes answer {code, message, field?}; the MCP endpoints (/mcp, /sse, /messages) answer a
// JSON-RPC error, as the SDK's transports do for their own refusals, carrying the same code and
// field in `data`. One shape per door, so a client can rely on it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { mapError, type FailureCode, type MappedError } from '../error-mapping.js';
import { BioQueueError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { pathOf, writeJson, type NodeRequest } from './node-handlers.js';

export interface ErrorBody {
  code: FailureCode;
  message: string;
  field?: string;
}

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string; data: { code: FailureCode; field?: string; retry_after_seconds?: number } };
}

/** JSON-RPC's code for a body that is not JSON. */
export const JSON_RPC_PARSE_ERROR = -32700;
// The SDK's codes for its own transport refusals: -32000 for any, -32001 for an unknown session.
const JSON_RPC_CODES: Partial<Record<FailureCode, number>> = { not_found: -32001, internal_error: -32603 };
const JSON_RPC_SERVER_ERROR = -32000;

/**
 * A refusal of the HTTP layer itself. Its code decides the status like any other; being
 * expected (a request during start-up, an unknown route), it is logged at debug whatever the code.
 */
export class HttpError extends BioQueueError {
  constructor(
    code: ErrorCode,
    message: string,
    field?: string,
    /** The JSON-RPC error code on the MCP endpoints, where the HTTP code's default would mislead. */
    readonly jsonRpcCode?: number,
  ) {
    super(code, message, field === undefined ? {} : { field });
    this.name = 'HttpError';
  }
}

const MCP_PATHS = new Set(['/mcp', '/sse', '/messages']);

/** Whether a request path (no query) is an MCP endpoint's, whose errors take JSON-RPC's shape. */
export function isMcpPath(path: string): boolean {
  return MCP_PATHS.has(path.replace(/\/+$/, ''));
}

// The connection went before the request was whole: there is no one to answer.
function clientHungUp(req: IncomingMessage): boolean {
  return !req.complete && (req.destroyed || req.socket.destroyed);
}

/** Writes the error in the shape of the request's door, or ends the response when headers are already out (a stream). */
export function sendError(req: NodeRequest, res: ServerResponse, err: unknown, log: Logger): void {
  const failure = mapError(err);
  const path = pathOf(req);
  const at = { method: req.method, path, status: failure.status, code: failure.code };
  if (clientHungUp(req)) {
    log.debug(at, `the client closed the connection mid-request: ${failure.message}`);
    return;
  }
  // The caller's mistakes (and the HTTP layer's expected refusals) are one line without a stack;
  // our own faults and the infrastructure's keep the whole error.
  if (err instanceof HttpError || failure.log === 'debug') log.debug(at, `client error: ${failure.message}`);
  else log[failure.log]({ err, ...at }, failure.message);
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJson(res, failure.status, isMcpPath(path) ? jsonRpcErrorBody(failure, err, req.body) : restErrorBody(failure), failure.headers);
}

export function restErrorBody(failure: MappedError): ErrorBody {
  return { code: failure.code, message: failure.message, ...(failure.field === undefined ? {} : { field: failure.field }) };
}

export function jsonRpcErrorBody(failure: MappedError, err: unknown, body: unknown): JsonRpcErrorBody {
  const retryAfter = err instanceof BioQueueError ? err.details.retry_after_seconds : undefined;
  return {
    jsonrpc: '2.0',
    id: requestId(body),
    error: {
      code: (err instanceof HttpError ? err.jsonRpcCode : undefined) ?? JSON_RPC_CODES[failure.code] ?? JSON_RPC_SERVER_ERROR,
      message: failure.message,
      data: {
        code: failure.code,
        ...(failure.field === undefined ? {} : { field: failure.field }),
        ...(retryAfter === undefined ? {} : { retry_after_seconds: retryAfter }),
      },
    },
  };
}

// The answer names the request it refuses when there was one readable request.
function requestId(body: unknown): string | number | null {
  const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** Express's last error handler: every route's thrown or rejected error ends here. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => sendError(req, res, undecodablePath(err, req) ?? err, log);
}

// Express's router could not percent-decode a path parameter (GET /jobs/%E0%A4%A/status): it
// throws a URIError marked 400, which is the caller's mistake, not our fault.
function undecodablePath(err: unknown, req: IncomingMessage): HttpError | undefined {
  if (!(err instanceof URIError) || (err as URIError & { status?: number }).status !== 400) return undefined;
  return new HttpError('input_invalid', `path: ${JSON.stringify(pathOf(req))} is not valid percent-encoding (a job id or file name must be encoded as UTF-8, e.g. with encodeURIComponent)`, 'path');
}
