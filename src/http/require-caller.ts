// The gate in front of every route but /health, the OAuth metadata and the signed /files links:
// one `Authorization: Bearer <credential>` header becomes the request's Caller, anything else a
// 401 (or a 400 for a request that sends the header twice). The credential is an API key, or,
// when an OpenID provider is configured, one of its access tokens; a known API key is always
// tried first, so keys work as before beside sign-in.
import type { ServerResponse } from 'node:http';
import { BioQueueError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import { AccessTokenRefused, type AccessTokenVerifier } from './access-tokens.js';
import type { ApiKeyRing } from './api-keys.js';
import { HttpError } from './http-errors.js';
import { headerOf, pathOf, type NodeHandler } from './node-handlers.js';

/** Access tokens and the challenge that tells a client where to get one; absent: API keys only. */
export interface OAuthGate {
  tokens: AccessTokenVerifier;
  /** Bearer challenge parameters every 401 on the path carries (resource_metadata, scope). */
  challengeFor(path: string): Record<string, string>;
}

// Three dot-separated base64url parts: what a signed JWT looks like (API keys have no dots).
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function requireCaller(keys: ApiKeyRing, oauth?: OAuthGate): NodeHandler {
  return async (req, res, next) => {
    // Node keeps only the first Authorization header: which credential a request means would
    // depend on the order a proxy happened to write them in, so two are refused outright.
    const sent = authorizationHeaderCount(req.rawHeaders);
    if (sent > 1) {
      return next(new HttpError('input_invalid', `Authorization: sent ${sent} times; send one "Authorization: Bearer <API key>" header`, 'Authorization'));
    }
    const header = headerOf(req, 'authorization');
    const caller = keys.authenticate(header) ?? (oauth ? await signedInCaller(header, oauth.tokens, oauth.challengeFor(pathOf(req))) : undefined);
    if (!caller) {
      const message = header
        ? 'Authorization: not a valid API key'
        : 'Authorization: missing; send "Authorization: Bearer <API key>" (a lab admin creates keys with bio-mcp-queue add-key)';
      return next(new HttpError('unauthorized', message));
    }
    setCaller(res, caller);
    next();
  };
}

// The caller an access token names, or a 401 whose challenge says where to sign in (and, when a
// credential was sent, that it was refused: RFC 6750's invalid_token).
async function signedInCaller(header: string | undefined, tokens: AccessTokenVerifier, challenge: Record<string, string>): Promise<Caller> {
  const refuse = (message: string, error?: 'invalid_token') =>
    new BioQueueError('unauthorized', `Authorization: ${message}`, { challenge: { ...challenge, ...(error ? { error, error_description: message } : {}) } });
  if (!header) throw refuse('missing; sign in with the lab\'s OpenID provider (the client does it when it reads /.well-known/oauth-protected-resource), or send "Authorization: Bearer <API key>"');
  const token = /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (token === undefined || !JWT_SHAPE.test(token)) throw refuse('not a valid API key or access token', 'invalid_token');
  try {
    return await tokens.verify(token);
  } catch (err) {
    if (err instanceof AccessTokenRefused) throw refuse(err.message, 'invalid_token');
    throw err;
  }
}

// rawHeaders alternates names and values, as the client sent them.
function authorizationHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'authorization') count += 1;
  return count;
}

// Each request's caller, by its response (express's or Node's alike, unlike express's res.locals).
const callers = new WeakMap<ServerResponse, Caller>();

/** Makes `caller` the request's caller: requireCaller, or a gate of its own (the admin dashboard's session). */
export function setCaller(res: ServerResponse, caller: Caller): void {
  callers.set(res, caller);
}

/** The caller requireCaller found; routes behind it only. */
export function callerOf(res: ServerResponse): Caller {
  const caller = callers.get(res);
  if (!caller) throw new Error('route is not behind requireCaller');
  return caller;
}
