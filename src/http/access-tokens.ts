// Checks the JWT access tokens of the lab's OpenID provider, so MCP clients that sign in with
// OAuth can call `serve`. The provider's keys come from the jwks_uri its discovery document
// names, fetched on first use (the server starts while the provider is down) and cached by
// jose, which fetches again when a token names a key it has not seen (the provider rotated).
// A token passes only when signed by one of those keys with an asymmetric algorithm, issued by
// the configured issuer, for one of this server's resource URLs (or a configured audience), and inside
// its validity window.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { OAuthConfig } from '../config.js';
import { BioQueueError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import { oauthCaller } from './oauth-caller.js';

/** A token that was read and refused; its reason is one line for the client. */
export class AccessTokenRefused extends Error {
  constructor(readonly reason: string) {
    super(`the access token was refused: ${reason}`);
    this.name = 'AccessTokenRefused';
  }
}

export interface AccessTokenVerifier {
  /** The caller the token names; throws AccessTokenRefused, or an infrastructure error when the provider cannot be reached. */
  verify(token: string): Promise<Caller>;
}

// Public-key signatures only: a symmetric (HS*) key would be a secret shared with every
// resource server, and "none" is no signature at all.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const DISCOVERY_TIMEOUT_MS = 10_000;

const DiscoveryDocument = z.object({ issuer: z.string(), jwks_uri: z.url({ protocol: /^https?$/ }) });

/** Checks tokens for this server's resources (its public URL + /mcp or /sse). */
export function accessTokenVerifier(oauth: OAuthConfig, resources: readonly string[]): AccessTokenVerifier {
  const audience = [...resources, ...oauth.extraAudiences];
  let keys: Promise<JWTVerifyGetKey> | undefined;
  // One discovery for every request; a failed one is forgotten so the next request tries again.
  const keySet = () =>
    (keys ??= discoverKeys(oauth.issuer).catch((err: unknown) => {
      keys = undefined;
      throw err;
    }));
  return {
    async verify(token) {
      const getKey = await keySet();
      let payload;
      try {
        ({ payload } = await jwtVerify(token, getKey, { issuer: oauth.issuer, audience, algorithms: ALGORITHMS, clockTolerance: oauth.clockSkewSeconds }));
      } catch (err) {
        throw refusalOf(err, oauth.issuer) ?? providerUnreachable(oauth.issuer, err);
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AccessTokenRefused('it names no subject (sub)');
      return oauthCaller({ ...payload, sub: payload.sub }, oauth);
    },
  };
}

// OpenID Connect Discovery: <issuer>/.well-known/openid-configuration, whose `issuer` must be
// the configured one (a document that names another is not this provider's).
async function discoverKeys(issuer: string): Promise<JWTVerifyGetKey> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (err) {
    throw providerUnreachable(issuer, err, url);
  }
  const parsed = DiscoveryDocument.safeParse(body);
  if (!parsed.success) throw providerUnreachable(issuer, new Error('it has no usable jwks_uri'), url);
  if (parsed.data.issuer !== issuer) throw providerUnreachable(issuer, new Error(`it names the issuer ${JSON.stringify(parsed.data.issuer)}, not BIO_QUEUE_OAUTH_ISSUER`), url);
  return createRemoteJWKSet(new URL(parsed.data.jwks_uri));
}

// What a token's own fault looks like; anything else (the key set could not be fetched) is the provider's.
function refusalOf(err: unknown, issuer: string): AccessTokenRefused | undefined {
  if (err instanceof errors.JWTExpired) return new AccessTokenRefused('it has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new AccessTokenRefused(`it was not issued by ${issuer}`);
    if (err.claim === 'aud') return new AccessTokenRefused('it is not meant for this server (aud); ask the provider for a token with this server\'s resource URL');
    if (err.claim === 'nbf') return new AccessTokenRefused('it is not valid yet (nbf)');
    return new AccessTokenRefused(`its claim "${err.claim}" is not valid (${err.reason})`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new AccessTokenRefused(`its signature is not one of ${issuer}'s keys`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return new AccessTokenRefused('it is not signed with a public-key algorithm this server accepts');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return new AccessTokenRefused('it is not a well-formed signed JWT');
  return undefined;
}

function providerUnreachable(issuer: string, err: unknown, url?: string): BioQueueError {
  const why = err instanceof Error ? err.message : String(err);
  return new BioQueueError('infrastructure', `the OpenID provider ${issuer} could not be asked for its signing keys${url ? ` (${url})` : ''}: ${why}; try again shortly`, {}, { cause: err });
}
