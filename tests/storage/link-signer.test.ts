// Signed local-storage links: a link verifies for exactly the method, key and lifetime it was
// made for; any change to it is 'invalid', and time running out is 'expired'.
import { describe, expect, it } from 'vitest';
import { createLinkSigner } from '../../src/storage/link-signer.js';

const signer = createLinkSigner({ secret: 'k'.repeat(64), baseUrl: 'https://bio.example.org/', ttlSeconds: 3600 });
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const KEY = 'blast-0123456789abcdef/hits.tsv';

function params(url: string): { expires: string | undefined; sig: string | undefined } {
  const u = new URL(url);
  return { expires: u.searchParams.get('expires') ?? undefined, sig: u.searchParams.get('sig') ?? undefined };
}

describe('createLinkSigner', () => {
  it('makes a /files link under the base URL that expires after the lifetime', () => {
    const link = signer.sign('GET', KEY, NOW);
    expect(link.expires_at).toBe('2026-03-01T13:00:00.000Z');
    expect(link.url).toMatch(/^https:\/\/bio\.example\.org\/files\/blast-0123456789abcdef\/hits\.tsv\?expires=1772370000&sig=[A-Za-z0-9_-]{43}$/);
  });

  it('encodes each key segment but keeps the slashes', () => {
    const link = signer.sign('PUT', 'uploads/alice/a b?c', NOW);
    expect(new URL(link.url).pathname).toBe('/files/uploads/alice/a%20b%3Fc');
  });

  it('verifies its own link until it expires, then says expired', () => {
    const { expires, sig } = params(signer.sign('GET', KEY, NOW).url);
    expect(signer.verify('GET', KEY, expires, sig, NOW)).toBe('ok');
    expect(signer.verify('GET', KEY, expires, sig, NOW + 3599_000)).toBe('ok');
    expect(signer.verify('GET', KEY, expires, sig, NOW + 3600_000)).toBe('expired');
  });

  it('refuses a link used for another key, another method, or with its expiry pushed back', () => {
    const { expires, sig } = params(signer.sign('GET', KEY, NOW).url);
    expect(signer.verify('GET', 'blast-0123456789abcdef/hits.json', expires, sig, NOW)).toBe('invalid');
    expect(signer.verify('PUT', KEY, expires, sig, NOW)).toBe('invalid');
    expect(signer.verify('GET', KEY, String(Number(expires) + 86400), sig, NOW)).toBe('invalid');
    // Tampering wins over expiry: a stretched expired link is invalid, not merely expired.
    expect(signer.verify('GET', KEY, String(Number(expires) + 1), sig, NOW + 7200_000)).toBe('invalid');
  });

  it('refuses a changed, shortened, re-spelt or missing signature, and a malformed expiry', () => {
    const { expires, sig } = params(signer.sign('GET', KEY, NOW).url);
    const flipped = `${sig!.slice(0, 10)}${sig![10] === 'A' ? 'B' : 'A'}${sig!.slice(11)}`;
    expect(signer.verify('GET', KEY, expires, flipped, NOW)).toBe('invalid');
    expect(signer.verify('GET', KEY, expires, sig!.slice(0, -1), NOW)).toBe('invalid');
    expect(signer.verify('GET', KEY, expires, `${sig}=`, NOW)).toBe('invalid');
    // The last character carries two spare bits: another letter can decode to the same bytes.
    const lastBitsChanged = `${sig!.slice(0, -1)}${String.fromCharCode(sig!.charCodeAt(42) ^ 1)}`;
    expect(signer.verify('GET', KEY, expires, lastBitsChanged, NOW)).toBe('invalid');
    expect(signer.verify('GET', KEY, expires, undefined, NOW)).toBe('invalid');
    expect(signer.verify('GET', KEY, undefined, sig, NOW)).toBe('invalid');
    expect(signer.verify('GET', KEY, `${expires}.0`, sig, NOW)).toBe('invalid');
  });

  it('refuses a link signed with another secret', () => {
    const other = createLinkSigner({ secret: 'o'.repeat(64), baseUrl: 'https://bio.example.org', ttlSeconds: 3600 });
    const { expires, sig } = params(other.sign('GET', KEY, NOW).url);
    expect(signer.verify('GET', KEY, expires, sig, NOW)).toBe('invalid');
  });
});
