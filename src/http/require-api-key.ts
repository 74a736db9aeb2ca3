// The gate in front of every route but /health and the signed /files links: one valid
// `Authorization: Bearer <key>` header becomes the request's Caller, anything else a 401 (or a
// 400 for a request that sends the header twice).
import type { RequestHandler, Response } from 'express';
import type { Caller } from '../jobs/caller.js';
import type { ApiKeyRing } from './api-keys.js';
import { HttpError } from './http-errors.js';

export function requireApiKey(keys: ApiKeyRing): RequestHandler {
  return (req, res, next) => {
    // Node keeps only the first Authorization header: which key a request means would depend on
    // the order a proxy happened to write them in, so two are refused outright.
    const sent = authorizationHeaderCount(req.rawHeaders);
    if (sent > 1) {
      return next(new HttpError('input_invalid', `Authorization: sent ${sent} times; send one "Authorization: Bearer <API key>" header`, 'Authorization'));
    }
    const header = req.get('authorization');
    const caller = keys.authenticate(header);
    if (!caller) {
      const message = header
        ? 'Authorization: not a valid API key'
        : 'Authorization: missing; send "Authorization: Bearer <API key>" (a lab admin creates keys with bio-mcp-queue add-key)';
      return next(new HttpError('unauthorized', message));
    }
    res.locals.caller = caller;
    next();
  };
}

// rawHeaders alternates names and values, as the client sent them.
function authorizationHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'authorization') count += 1;
  return count;
}

/** The caller requireApiKey found; routes behind it only. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('route is not behind requireApiKey');
  return caller;
}
