// The dashboard's session tokens as data: what signs, what verifies, and everything that must not.
// The cookie round trip through a browser is tests/http/admin-dashboard.test.ts.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cookieValue, signSession, verifySession } from '../../src/http/admin-session.js';

const secret = randomBytes(32);
const NOW = 1_800_000_000;
const session = { name: 'ops.admin', expires: NOW + 3600 };

describe('admin session tokens', () => {
  it('verify while fresh and name the key they were made for', () => {
    const token = signSession(secret, session);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(verifySession(secret, token, NOW)).toEqual(session);
  });

  it('do not verify once expired, with another secret, or altered in any part', () => {
    const token = signSession(secret, session);
    const [name, expires, mac] = token.split('.') as [string, string, string];
    expect(verifySession(secret, token, session.expires)).toBeUndefined();
    expect(verifySession(randomBytes(32), token, NOW)).toBeUndefined();
    expect(verifySession(secret, `${Buffer.from('root').toString('base64url')}.${expires}.${mac}`, NOW)).toBeUndefined();
    expect(verifySession(secret, `${name}.${Number(expires) + 86_400}.${mac}`, NOW)).toBeUndefined();
    const flipped = Buffer.from(mac, 'base64url');
    flipped[0]! ^= 1;
    expect(verifySession(secret, `${name}.${expires}.${flipped.toString('base64url')}`, NOW)).toBeUndefined();
    for (const malformed of ['', 'a.b.c', `${name}.${expires}`, `${token}.x`, `${name}.-1.${mac}`, `${name}.${expires}.${mac}A`]) {
      expect(verifySession(secret, malformed, NOW), malformed).toBeUndefined();
    }
  });

  it('are found in a Cookie header among others', () => {
    expect(cookieValue('a=1; bio_queue_admin=tok.en; b=2', 'bio_queue_admin')).toBe('tok.en');
    expect(cookieValue('xbio_queue_admin=1', 'bio_queue_admin')).toBeUndefined();
    expect(cookieValue(undefined, 'bio_queue_admin')).toBeUndefined();
  });
});
