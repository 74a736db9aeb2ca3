// Expiring links to files of local storage, signed with HMAC-SHA256 so `serve` can hand out
// downloads and uploads without a session: the link itself is the permission. The method and
// the key are signed with the expiry, so a GET link cannot be replayed as a PUT, nor point
// at another file, nor live longer.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkMethod = 'GET' | 'PUT';
export type LinkCheck = 'ok' | 'expired' | 'invalid';

export interface LinkSigner {
  sign(method: LinkMethod, key: string, nowMs?: number): { url: string; expires_at: string };
  verify(method: LinkMethod, key: string, expiresParam: string | undefined, sigParam: string | undefined, nowMs?: number): LinkCheck;
}

export interface LinkSignerOptions {
  secret: string;
  /** Where clients reach `serve`, e.g. "https://bio.example.org"; links are `${baseUrl}/files/<key>`. */
  baseUrl: string;
  ttlSeconds: number;
}

const EXPIRES = /^\d{1,12}$/;

export function createLinkSigner(options: LinkSignerOptions): LinkSigner {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const signature = (method: LinkMethod, key: string, expires: string) =>
    createHmac('sha256', options.secret).update(`${method}\n${key}\n${expires}`).digest();

  return {
    sign(method, key, nowMs = Date.now()) {
      const expires = String(Math.floor(nowMs / 1000) + options.ttlSeconds);
      const sig = signature(method, key, expires).toString('base64url');
      const path = key.split('/').map(encodeURIComponent).join('/');
      return {
        url: `${baseUrl}/files/${path}?expires=${expires}&sig=${sig}`,
        expires_at: new Date(Number(expires) * 1000).toISOString(),
      };
    },

    verify(method, key, expiresParam, sigParam, nowMs = Date.now()) {
      if (expiresParam === undefined || sigParam === undefined || !EXPIRES.test(expiresParam)) return 'invalid';
      const expected = signature(method, key, expiresParam);
      const given = Buffer.from(sigParam, 'base64url');
      // Decoding is lenient (stray characters, spare bits in the last one): accept only the
      // exact text we would have written, so one signature has one spelling.
      if (given.toString('base64url') !== sigParam) return 'invalid';
      // The signature first: an expiry pushed forward by hand is a tampered link, not an expired one.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      return Number(expiresParam) * 1000 <= nowMs ? 'expired' : 'ok';
    },
  };
}
