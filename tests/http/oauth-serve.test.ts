// `serve` as an OAuth protected resource, against a real OpenID provider (oidc-provider) and the
// real serve stack: the metadata MCP clients read, the challenge of every 401, JWT access tokens
// over /mcp, /sse and REST, refusals (another audience, an expired token, a key the provider does
// not know, no signature), jobs kept apart by subject, and admin by a group claim. API keys keep
// working beside it.
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobPage, Submission } from '../../src/jobs/job-model.js';
import { rawRequest, startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { ADMIN_GROUP, SCOPE, SHORT_TTL_SECONDS, secretOf, startOpenIdProvider, type OpenIdProvider } from '../support/openid-provider.js';

let idp: OpenIdProvider;
let h: HttpHarness;
let resource: string;
let metadataUrl: string;
const tokens = {} as Record<'alice' | 'bob' | 'admin', string>;

beforeAll(async () => {
  idp = await startOpenIdProvider();
  h = await startHttpHarness({
    embeddedWorker: false, // submitted jobs stay queued: ownership is what is tested, not the tool
    env: {
      BIO_QUEUE_OAUTH_ISSUER: idp.issuer,
      BIO_QUEUE_OAUTH_SCOPES: SCOPE,
      BIO_QUEUE_OAUTH_ADMIN_CLAIM: 'groups',
      BIO_QUEUE_OAUTH_ADMIN_VALUE: ADMIN_GROUP,
      BIO_QUEUE_OAUTH_CLOCK_SKEW_SECONDS: '0',
    },
  });
  resource = `${h.url}/mcp`;
  metadataUrl = `${h.url}/.well-known/oauth-protected-resource/mcp`;
  for (const [name, user] of [['alice', 'alice-app'], ['bob', 'bob-app'], ['admin', 'admin-app']] as const) tokens[name] = await idp.accessToken(user, resource);
});

afterAll(async () => {
  await h?.close();
  await idp?.close();
});

// REST's refusals name the main resource's metadata, /mcp's.
const refusedChallenge = (description: string) =>
  `Bearer realm="bio-mcp-queue", resource_metadata="${metadataUrl}", scope="${SCOPE}", error="invalid_token", error_description="${description}"`;

const submitSeqkit = async (credential: string) => {
  const answer = await h.api<Submission>(credential, 'POST', '/jobs/submit', { job_type: 'seqkit_stats', parameters: { sequences: ['>one\nACGTACGT\n'] } });
  expect(answer.status).toBe(202);
  return answer.body.job_id;
};
const listedIds = async (credential: string) => (await h.api<JobPage>(credential, 'GET', '/jobs?limit=100')).body.jobs.map((j) => j.job_id);

describe('the protected resource metadata', () => {
  const metadataOf = (endpoint: string) => ({
    resource: `${h.url}${endpoint}`,
    authorization_servers: [idp.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: [SCOPE],
    resource_name: 'bio-mcp-queue',
  });

  for (const [path, endpoint] of [
    ['/.well-known/oauth-protected-resource', '/mcp'],
    ['/.well-known/oauth-protected-resource/mcp', '/mcp'],
    ['/.well-known/oauth-protected-resource/sse', '/sse'],
  ] as const) {
    it(`is served without credentials at ${path}, for ${endpoint}`, async () => {
      const answer = await h.api(undefined, 'GET', path);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(metadataOf(endpoint));
    });
  }
});

describe('a request without a usable credential', () => {
  for (const [method, path, endpoint] of [['POST', '/mcp', '/mcp'], ['GET', '/jobs', '/mcp'], ['GET', '/sse', '/sse'], ['POST', '/messages?sessionId=x', '/sse']] as const) {
    it(`gets 401 on ${method} ${path} with a challenge naming the metadata of ${endpoint}`, async () => {
      const answer = await h.api(undefined, method, path, method === 'POST' ? {} : undefined);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="bio-mcp-queue", resource_metadata="${h.url}/.well-known/oauth-protected-resource${endpoint}", scope="${SCOPE}"`);
    });
  }

  it('gets invalid_token in the challenge when the credential is neither a key nor a token', async () => {
    const answer = await h.api('not-a-key-of-this-server', 'GET', '/jobs');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ code: 'unauthorized', message: 'Authorization: not a valid API key or access token' });
    expect(answer.headers.get('www-authenticate')).toBe(refusedChallenge('not a valid API key or access token'));
  });
});

describe('an access token for this server', () => {
  it('calls tools over Streamable HTTP (/mcp) with the SDK client', async () => {
    const client = await h.mcp(tokens.alice);
    const result = await client.callTool({ name: 'list_jobs', arguments: {} });
    expect(result.isError).toBeFalsy();
  });

  for (const [transport, user] of [['streamable', 'bob-app'], ['sse', 'admin-app']] as const) {
    it(`is found by the SDK client on its own over ${transport === 'sse' ? '/sse' : '/mcp'}: 401, metadata, the provider, a token for the resource`, async () => {
      const authProvider = new ClientCredentialsProvider({ clientId: user, clientSecret: secretOf(user), scope: SCOPE, expectedIssuer: idp.issuer });
      const endpoint = new URL(`${h.url}${transport === 'sse' ? '/sse' : '/mcp'}`);
      const client = new Client({ name: 'oauth-test', version: '1.0.0' });
      await client.connect(transport === 'sse' ? new SSEClientTransport(endpoint, { authProvider }) : new StreamableHTTPClientTransport(endpoint, { authProvider }));
      try {
        const result = await client.callTool({ name: 'list_jobs', arguments: {} });
        expect(result.isError).toBeFalsy();
        const token = authProvider.tokens()?.access_token;
        expect(JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: idp.issuer, aud: endpoint.href, sub: user });
      } finally {
        await client.close();
      }
    });
  }

  it('calls tools over legacy SSE (/sse)', async () => {
    const client = await h.mcp(tokens.alice, 'sse');
    const result = await client.callTool({ name: 'queue_stats', arguments: {} });
    expect(result.isError).toBeFalsy();
  });

  it('calls the REST API', async () => {
    const answer = await h.api(tokens.alice, 'GET', '/queues/stats');
    expect(answer.status).toBe(200);
  });
});

describe('a refused token', () => {
  const refusal = (reason: string) => `the access token was refused: ${reason}`;
  const expectRefused = async (token: string, reason: string) => {
    const answer = await h.api(token, 'GET', '/jobs');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ code: 'unauthorized', message: `Authorization: ${refusal(reason)}` });
    expect(answer.headers.get('www-authenticate')).toBe(refusedChallenge(refusal(reason)));
  };

  it('is one minted for another resource', async () => {
    await expectRefused(await idp.accessToken('alice-app', 'https://other.example.org/mcp'), 'it is not meant for this server (aud); ask the provider for a token with this server\'s resource URL');
  });

  it('is one past its expiry', async () => {
    const token = await idp.accessToken('short-lived', resource);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(SHORT_TTL_SECONDS);
    // Wait the token out: jose compares whole seconds, so one second past exp.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (exp + 1) * 1000 - Date.now() + 50)));
    await expectRefused(token, 'it has expired');
  });

  it('is one signed by a key the provider does not have', async () => {
    // The provider's key id and algorithm, another key: only the signature can tell.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ groups: [ADMIN_GROUP] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
      .setIssuer(idp.issuer)
      .setAudience(resource)
      .setSubject('admin-app')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectRefused(forged, `its signature is not one of ${idp.issuer}'s keys`);
  });

  it('is one with no signature (alg "none")', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: idp.issuer, aud: resource, sub: 'admin-app', groups: [ADMIN_GROUP], exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    await expectRefused(unsigned, 'it is not signed with a public-key algorithm this server accepts');
  });
});

describe('jobs of signed-in users', () => {
  let aliceJob: string;
  let bobJob: string;

  beforeAll(async () => {
    aliceJob = await submitSeqkit(tokens.alice);
    bobJob = await submitSeqkit(tokens.bob);
  });

  it('are seen only by their own subject', async () => {
    expect(await listedIds(tokens.alice)).toEqual([aliceJob]);
    expect(await listedIds(tokens.bob)).toEqual([bobJob]);
    expect((await h.api(tokens.bob, 'GET', `/jobs/${aliceJob}/status`)).status).toBe(404);
    expect((await h.api(tokens.alice, 'DELETE', `/jobs/${bobJob}`)).status).toBe(404);
  });

  it('are not seen by the API key of the same name, nor its jobs by the token', async () => {
    const keyJob = await submitSeqkit(h.keys.alice);
    expect(await listedIds(h.keys.alice)).toEqual([keyJob]);
    expect(await listedIds(tokens.alice)).toEqual([aliceJob]);
  });

  it('are all seen by a subject in the admin group', async () => {
    const seen = await listedIds(tokens.admin);
    expect(seen).toEqual(expect.arrayContaining([aliceJob, bobJob]));
  });
});

describe('API keys beside sign-in', () => {
  it('still work, and a key is tried before a token', async () => {
    const answer = await rawRequest(h.url, 'GET', '/jobs', { Authorization: `Bearer ${h.keys.bob}` });
    expect(answer.status).toBe(200);
  });
});
