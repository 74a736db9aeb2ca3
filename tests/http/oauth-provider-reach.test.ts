// When the OpenID provider cannot vouch for a token, that is the infrastructure's failure, not
// the caller's: a provider that does not answer, or whose discovery document names another issuer
// than the one configured, gives an infrastructure error (HTTP 503) naming the provider, and the
// next request tries the discovery again.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthConfig } from '../../src/config.js';
import { BioQueueError } from '../../src/errors.js';
import { accessTokenVerifier } from '../../src/http/access-tokens.js';
import { startOpenIdProvider, type OpenIdProvider } from '../support/openid-provider.js';

const RESOURCE = 'http://127.0.0.1:1/mcp';
let idp: OpenIdProvider;

beforeAll(async () => {
  idp = await startOpenIdProvider();
});

afterAll(async () => idp?.close());

const settings = (issuer: string): OAuthConfig => ({ issuer, extraAudiences: [], scopes: [], admin: undefined, clockSkewSeconds: 0 });

async function failureOf(promise: Promise<unknown>): Promise<BioQueueError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BioQueueError);
  return err as BioQueueError;
}

// A port that was open a moment ago and is closed now: nothing answers there.
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a provider that cannot vouch for a token', () => {
  it('is an infrastructure failure when it does not answer, tried again on the next request', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const verifier = accessTokenVerifier(settings(issuer), [RESOURCE]);
    const token = await idp.accessToken('alice-app', RESOURCE);
    const failures: BioQueueError[] = [];
    for (let attempt = 0; attempt < 2; attempt += 1) failures.push(await failureOf(verifier.verify(token)));
    for (const err of failures) {
      expect(err.code).toBe('infrastructure');
      expect(err.message).toMatch(new RegExp(`^the OpenID provider ${issuer} could not be asked for its signing keys \\(${issuer}/\\.well-known/openid-configuration\\): .+; try again shortly$`));
    }
    // A failed discovery is not kept: the second request asked again and failed on its own.
    expect(failures[1]).not.toBe(failures[0]);
  });

  it('is an infrastructure failure when its discovery document names another issuer', async () => {
    const configured = `${idp.issuer}/`; // what a lab might write; the provider's `iss` has no "/"
    const err = await failureOf(accessTokenVerifier(settings(configured), [RESOURCE]).verify(await idp.accessToken('alice-app', RESOURCE)));
    expect(err.code).toBe('infrastructure');
    expect(err.message).toBe(
      `the OpenID provider ${configured} could not be asked for its signing keys (${idp.issuer}/.well-known/openid-configuration): it names the issuer "${idp.issuer}", not BIO_QUEUE_OAUTH_ISSUER; try again shortly`,
    );
  });

  it('vouches once the issuer is written as it is', async () => {
    const caller = await accessTokenVerifier(settings(idp.issuer), [RESOURCE]).verify(await idp.accessToken('alice-app', RESOURCE));
    expect(caller).toEqual({ owner: 'oidc.127.0.0.1.alice-app', admin: false, remote: true });
  });
});
