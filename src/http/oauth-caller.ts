// Who a checked access token names: its `sub` becomes the job owner, under the prefix no API key
// may take ("oidc.<provider host>.<sub>"), so a user signed in with OAuth never shares jobs,
// uploads or limits with an API key of the same name. Owners are also folder names of uploads,
// so the subject is written with safe characters only, in a way two subjects never share.
import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { OAUTH_OWNER_PREFIX, type OAuthConfig } from '../config.js';
import type { Caller } from '../jobs/caller.js';

/** Past this length the subject is replaced by its hash, to stay a usable file name. */
const MAX_SUBJECT_CHARS = 128;

export function oauthCaller(claims: JWTPayload & { sub: string }, oauth: OAuthConfig): Caller {
  return {
    owner: oauthOwner(oauth.issuer, claims.sub),
    admin: oauth.admin !== undefined && holdsValue(claimAt(claims, oauth.admin.claim), oauth.admin.value),
    remote: true,
  };
}

/** The owner of the jobs of the subject `sub` of the provider `issuer`. */
export function oauthOwner(issuer: string, sub: string): string {
  const encoded = safeText(sub);
  // "_h" never comes out of safeText ("_" is always followed by two hex digits): no subject's own text can look like a hash.
  const subject = encoded.length <= MAX_SUBJECT_CHARS ? encoded : `_h${createHash('sha256').update(sub, 'utf8').digest('hex').slice(0, 40)}`;
  return `${OAUTH_OWNER_PREFIX}${safeText(new URL(issuer).hostname)}.${subject}`;
}

// Letters, digits, "." and "-" as they are; every other byte of the UTF-8 text as "_" and two
// hex digits ("auth0|42" → "auth0_7C42"), so different subjects stay different.
function safeText(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9.-]/.test(char) ? char : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// The claim by its whole name first (Auth0's namespaced "https://lab.org/groups" has dots of its
// own), else as a path of nested objects (Keycloak's "realm_access.roles").
function claimAt(claims: JWTPayload, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const step of name.split('.')) {
    if (typeof value !== 'object' || value === null || !(step in value)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

// A list holds the value as an element; a string holds it when equal, or as one word of a
// space-separated list (as `scope` is written).
function holdsValue(claim: unknown, value: string): boolean {
  if (Array.isArray(claim)) return claim.includes(value);
  if (typeof claim === 'string') return claim === value || claim.split(' ').includes(value);
  return false;
}
