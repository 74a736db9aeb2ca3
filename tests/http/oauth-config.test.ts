// The OAuth side of `serve` as data: its variables (off unless an issuer is set, refused when they
// make no sense alone), the owner a subject becomes (never an API key's, always a safe folder
// name, two subjects never one owner), the admin claim, the Bearer challenge's quoting, and the
// metadata of a server published under a path.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ConfigError, isUsableKeyName, loadConfig, type OAuthConfig } from '../../src/config.js';
import { mapError } from '../../src/error-mapping.js';
import { BioQueueError } from '../../src/errors.js';
import { oauthCaller, oauthOwner } from '../../src/http/oauth-caller.js';
import { protectedResources } from '../../src/http/protected-resource.js';
import { SAFE_SEGMENT } from '../../src/storage/store-keys.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('no error');
};

describe('the OAuth variables', () => {
  it('leave OAuth off by default', () => {
    expect(loadConfig({}).http.oauth).toBeUndefined();
  });

  it('are read into one frozen setting', () => {
    const { oauth } = loadConfig({
      BIO_QUEUE_OAUTH_ISSUER: 'https://login.lab.example.org/realms/lab',
      BIO_QUEUE_OAUTH_AUDIENCE: 'bioq, api://bioq',
      BIO_QUEUE_OAUTH_SCOPES: 'bioq.jobs,openid',
      BIO_QUEUE_OAUTH_ADMIN_CLAIM: 'groups',
      BIO_QUEUE_OAUTH_ADMIN_VALUE: 'bioq-admins',
    }).http;
    expect(oauth).toEqual({
      issuer: 'https://login.lab.example.org/realms/lab',
      extraAudiences: ['bioq', 'api://bioq'],
      scopes: ['bioq.jobs', 'openid'],
      admin: { claim: 'groups', value: 'bioq-admins' },
      clockSkewSeconds: 30,
    });
    expect(Object.isFrozen(oauth)).toBe(true);
  });

  it('refuse an issuer that is not a URL, settings without an issuer, and half an admin rule', () => {
    expect(problems({ BIO_QUEUE_OAUTH_ISSUER: 'login.lab.org' })).toEqual(['BIO_QUEUE_OAUTH_ISSUER: expected an http(s):// URL (got "login.lab.org")']);
    expect(problems({ BIO_QUEUE_OAUTH_AUDIENCE: 'bioq' })).toEqual(['BIO_QUEUE_OAUTH_AUDIENCE: needs BIO_QUEUE_OAUTH_ISSUER (the OpenID provider whose tokens it is about)']);
    expect(problems({ BIO_QUEUE_OAUTH_ISSUER: 'https://login.lab.org', BIO_QUEUE_OAUTH_ADMIN_CLAIM: 'groups' })).toEqual([
      'BIO_QUEUE_OAUTH_ADMIN_VALUE: must be set when BIO_QUEUE_OAUTH_ADMIN_CLAIM is',
    ]);
  });

  it('keep API key names off the OAuth owners\' prefix', () => {
    expect(isUsableKeyName('oidc.login.lab.org.alice')).toBe(false);
    expect(isUsableKeyName('OIDC.x')).toBe(false);
    expect(isUsableKeyName('oidcbot')).toBe(true);
    expect(problems({ BIO_QUEUE_API_KEYS: 'oidc.x:a-long-enough-key' })).toEqual(['BIO_QUEUE_API_KEYS: the name "oidc.x" starts with "oidc.", kept for users signed in with OAuth']);
  });
});

describe('the owner of a subject', () => {
  const issuer = 'https://login.lab.example.org/realms/lab';

  it('is the provider\'s host and the subject under the prefix no API key may take', () => {
    expect(oauthOwner(issuer, 'alice')).toBe('oidc.login.lab.example.org.alice');
    expect(isUsableKeyName(oauthOwner(issuer, 'alice'))).toBe(false);
  });

  it('writes every other character as "_" and hex, so it stays a safe folder name', () => {
    expect(oauthOwner(issuer, 'auth0|6523_ab')).toBe('oidc.login.lab.example.org.auth0_7C6523_5Fab');
    expect(oauthOwner(issuer, 'ada@lab.org')).toBe('oidc.login.lab.example.org.ada_40lab.org');
    expect(oauthOwner(issuer, 'é/../x')).toBe('oidc.login.lab.example.org._C3_A9_2F.._2Fx');
    for (const sub of ['auth0|1', 'ada@lab.org', '../../etc', 'x'.repeat(300), ' ']) expect(oauthOwner(issuer, sub)).toMatch(SAFE_SEGMENT);
  });

  it('is different for different subjects, also those that look encoded or are too long to keep', () => {
    const subs = ['a|b', 'a_7Cb', 'a_7cb', 'x'.repeat(129), `${'x'.repeat(128)}y`, '_h0123', 'h0123'];
    const owners = subs.map((sub) => oauthOwner(issuer, sub));
    expect(new Set(owners).size).toBe(subs.length);
    expect(owners[3]).toMatch(/^oidc\.login\.lab\.example\.org\._h[0-9a-f]{40}$/);
  });
});

describe('an admin by claim', () => {
  const oauth = (claim: string): OAuthConfig => ({ issuer: 'https://id.lab.org', extraAudiences: [], scopes: [], admin: { claim, value: 'bioq-admins' }, clockSkewSeconds: 0 });
  const isAdmin = (claim: string, claims: Record<string, unknown>) => oauthCaller({ sub: 'x', ...claims }, oauth(claim)).admin;

  it('holds the value in a list, as the whole string, or as a word of a space-separated string', () => {
    expect(isAdmin('groups', { groups: ['lab', 'bioq-admins'] })).toBe(true);
    expect(isAdmin('role', { role: 'bioq-admins' })).toBe(true);
    expect(isAdmin('scope', { scope: 'openid bioq-admins' })).toBe(true);
    expect(isAdmin('groups', { groups: ['lab', 'bioq-admins-not'] })).toBe(false);
    expect(isAdmin('groups', { groups: 'bioq-admins-not' })).toBe(false);
    expect(isAdmin('groups', {})).toBe(false);
  });

  it('finds a namespaced claim by its whole name, and a nested one by its path', () => {
    expect(isAdmin('https://lab.org/groups', { 'https://lab.org/groups': ['bioq-admins'] })).toBe(true);
    expect(isAdmin('realm_access.roles', { realm_access: { roles: ['bioq-admins'] } })).toBe(true);
    expect(isAdmin('realm_access.roles', { realm_access: ['bioq-admins'] })).toBe(false);
  });

  it('is never made without an admin rule', () => {
    expect(oauthCaller({ sub: 'x', groups: ['bioq-admins'] }, { ...oauth('groups'), admin: undefined })).toEqual({ owner: 'oidc.id.lab.org.x', admin: false, remote: true });
  });
});

describe('the Bearer challenge', () => {
  it('quotes its values, escaping quotes and backslashes', () => {
    const err = new BioQueueError('unauthorized', 'no', { challenge: { error: 'invalid_token', error_description: 'a "quoted" \\ word' } });
    expect(mapError(err).headers['WWW-Authenticate']).toBe('Bearer realm="bio-mcp-queue", error="invalid_token", error_description="a \\"quoted\\" \\\\ word"');
  });
});

describe('the metadata of a server behind a path', () => {
  it('is served at each form a client may compute, naming resources under the path', async () => {
    const publicUrl = 'https://lab.example.org/bioq';
    const resources = protectedResources(publicUrl, { issuer: 'https://id.lab.org', extraAudiences: [], scopes: [], admin: undefined, clockSkewSeconds: 0 });
    expect(resources.resources).toEqual(['https://lab.example.org/bioq/mcp', 'https://lab.example.org/bioq/sse']);
    expect(resources.challengeFor('/messages/')).toEqual({ resource_metadata: 'https://lab.example.org/bioq/.well-known/oauth-protected-resource/sse' });
    const server = http.createServer(express().use(resources.routes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const resourceAt = async (path: string) => ((await (await fetch(`${base}${path}`)).json()) as { resource: string }).resource;
      expect(await resourceAt('/.well-known/oauth-protected-resource')).toBe('https://lab.example.org/bioq/mcp');
      expect(await resourceAt('/.well-known/oauth-protected-resource/mcp')).toBe('https://lab.example.org/bioq/mcp');
      expect(await resourceAt('/.well-known/oauth-protected-resource/bioq/mcp')).toBe('https://lab.example.org/bioq/mcp');
      expect(await resourceAt('/.well-known/oauth-protected-resource/bioq/sse')).toBe('https://lab.example.org/bioq/sse');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
