// The dashboard's sign-in, for browsers, which cannot send an Authorization header when they
// navigate: an admin pastes the key once and gets a cookie holding a short-lived session, the key's
// name and an expiry signed with HMAC-SHA256. The signing secret is kept in Redis, made by the first
// replica that needs it, so a session made on one replica is good on every other; deleting the
// key signs everyone out. (Anyone who can read Redis can already do what the dashboard does.)
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/** How long a session lasts; then the admin pastes the key again. */
export const ADMIN_SESSION_SECONDS = 3600;
export const ADMIN_SESSION_COOKIE = 'bio_queue_admin';

export interface AdminSession {
  /** The admin key's name. */
  name: string;
  /** Epoch seconds. */
  expires: number;
}

// What is signed: a purpose, so no other HMAC of this secret could pass for a session.
function mac(secret: Buffer, name: string, expires: number): Buffer {
  return createHmac('sha256', secret).update(`bio-mcp-queue admin session\n${name}\n${expires}`).digest();
}

/** "<name, base64url>.<expires>.<mac, base64url>": no character a cookie value may not hold. */
export function signSession(secret: Buffer, session: AdminSession): string {
  return `${Buffer.from(session.name).toString('base64url')}.${session.expires}.${mac(secret, session.name, session.expires).toString('base64url')}`;
}

/** The session a token holds, or undefined when it is malformed, altered or past its expiry. */
export function verifySession(secret: Buffer, token: string, nowSeconds: number): AdminSession | undefined {
  const match = /^([A-Za-z0-9_-]+)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const name = Buffer.from(match[1]!, 'base64url').toString('utf8');
  const expires = Number(match[2]);
  const given = Buffer.from(match[3]!, 'base64url');
  if (!timingSafeEqual(given, mac(secret, name, expires))) return undefined;
  return expires > nowSeconds ? { name, expires } : undefined;
}

/** The shared signing secret, made once (SET NX: replicas starting together agree on one). */
export async function sessionSecret(redis: Redis, prefix: string): Promise<Buffer> {
  const key = `${prefix}:bioq:admin-session-secret`;
  const existing = await redis.get(key);
  if (existing !== null) return Buffer.from(existing, 'hex');
  await redis.set(key, randomBytes(32).toString('hex'), 'NX');
  const secret = await redis.get(key);
  if (secret === null) throw new Error(`${key} vanished right after it was set`);
  return Buffer.from(secret, 'hex');
}

/** One cookie's value from a Cookie header; undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
