// The gate in front of every route but /health and the signed /files links: a valid
// `Authorization: Bearer <key>` becomes the request's Caller, anything else a 401.
import type { RequestHandler, Response } from 'express';
import type { Caller } from '../jobs/caller.js';
import type { ApiKeyRing } from './api-keys.js';
import { HttpError } from './http-errors.js';

export function requireApiKey(keys: ApiKeyRing): RequestHandler {
  return (req, res, next) => {
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

/** The caller requireApiKey found; routes behind it only. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('route is not behind requireApiKey');
  return caller;
}
