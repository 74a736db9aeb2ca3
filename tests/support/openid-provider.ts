// A real OpenID provider (oidc-provider, the certified Node implementation) on a free loopback
// port, for tests of `serve` as an OAuth resource server. Its clients use the client_credentials
// grant with a resource indicator (RFC 8707), the shortest way to a JWT access token for a chosen
// audience; in such a token `sub` is the client's id, so each client is one signed-in user.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** Signed-in users of the tests: `sub` of their tokens. */
export const OIDC_USERS = ['alice-app', 'bob-app', 'admin-app', 'short-lived'] as const;
export type OidcUser = (typeof OIDC_USERS)[number];

export const ADMIN_GROUP = 'bioq-admins';
/** The one scope the provider grants for any resource. */
export const SCOPE = 'bioq';
/** Lifetime of a short-lived's token, in seconds. */
export const SHORT_TTL_SECONDS = 1;

export interface OpenIdProvider {
  issuer: string;
  /** A JWT access token of `user` for the resource (the `aud` it will carry). */
  accessToken(user: OidcUser, resource: string): Promise<string>;
  close(): Promise<void>;
}

/** The client secret of a user's client, for clients that get their own tokens. */
export const secretOf = (user: OidcUser) => `${user}-secret-that-is-long-enough`;

export async function startOpenIdProvider(): Promise<OpenIdProvider> {
  // The port first: the issuer URL names it, and the provider is built for one issuer.
  let handler: http.RequestListener = (_req, res) => void res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    scopes: ['openid', SCOPE],
    clients: OIDC_USERS.map((user) => ({
      client_id: user,
      client_secret: secretOf(user),
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: SCOPE,
    })),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Any resource asked for: the tests want tokens for this server and for another one.
        getResourceServerInfo: (_ctx, resource) => ({ scope: SCOPE, audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    // The admin's tokens carry the group that BIO_QUEUE_OAUTH_ADMIN_VALUE names; others another one.
    extraTokenClaims: (_ctx, token) => ({ groups: token.clientId === 'admin-app' ? [ADMIN_GROUP, 'lab'] : ['lab'] }),
    ttl: { ClientCredentials: (_ctx, _token, client) => (client.clientId === 'short-lived' ? SHORT_TTL_SECONDS : 600) },
  });
  handler = provider.callback();

  return {
    issuer,
    async accessToken(user, resource) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`${user}:${secretOf(user)}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: SCOPE }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (response.status !== 200 || !body.access_token) throw new Error(`token of ${user} for ${resource}: HTTP ${response.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
