// The API keys `serve` accepts: from BIO_QUEUE_API_KEYS / BIO_QUEUE_ADMIN_KEYS and from the keys
// file. Only SHA-256 hashes are kept in memory, and a presented key is compared against every
// entry in constant time, so neither a memory dump nor response timing gives a key away.
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import { ConfigError, isUsableKeyName, type Config } from '../config.js';
import type { Caller } from '../jobs/caller.js';

export interface HashedApiKey {
  name: string;
  admin: boolean;
  sha256: Buffer;
}

export interface ApiKeyRing {
  readonly entries: readonly HashedApiKey[];
  /** The caller an `Authorization: Bearer <key>` header names, or undefined. */
  authenticate(authorization: string | undefined): Caller | undefined;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
/** Shorter keys draw a warning at start: they can be guessed. */
export const MIN_KEY_LENGTH = 16;

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** One line of the keys file: "name sha256-hex [admin]". */
export function keysFileLine(name: string, key: string, admin: boolean): string {
  return `${name} ${hashKey(key).toString('hex')}${admin ? ' admin' : ''}\n`;
}

// "name sha256hex [admin]" per line, "#" comments and blank lines skipped; the first bad line
// stops the start with the file and line named.
export function parseKeysFile(text: string, file: string): HashedApiKey[] {
  const entries: HashedApiKey[] = [];
  const problem = (line: number, what: string) => new ConfigError([`BIO_QUEUE_API_KEYS_FILE: ${file} line ${line}: ${what}`]);
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [name = '', hash = '', flag, ...rest] = line.split(/\s+/);
    if (rest.length > 0 || (flag !== undefined && flag !== 'admin') || !HEX_SHA256.test(hash)) {
      throw problem(index + 1, 'expected "name sha256-hex [admin]" (bio-mcp-queue add-key NAME writes such lines)');
    }
    if (!isUsableKeyName(name)) {
      throw problem(index + 1, `"${name}" is not a usable name: letters, digits, "_", "." or "-", not "local" and not starting with "oidc."`);
    }
    entries.push({ name, admin: flag === 'admin', sha256: Buffer.from(hash, 'hex') });
  });
  return entries;
}

export async function readKeysFile(file: string): Promise<HashedApiKey[]> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError([`BIO_QUEUE_API_KEYS_FILE: cannot read ${file} (${err.code ?? err.message})`]);
  });
  return parseKeysFile(text, file);
}

/**
 * Every configured key, hashed. Refuses names or keys given twice. Returns the names of keys
 * shorter than MIN_KEY_LENGTH so the caller can warn (file keys are hashes: their length is unknown).
 */
export async function loadApiKeys(config: Config): Promise<{ ring: ApiKeyRing; shortKeys: string[] }> {
  const fromEnv = config.http.apiKeys.map((k) => ({ name: k.name, admin: k.admin, sha256: hashKey(k.key) }));
  const fromFile = config.http.apiKeysFile ? await readKeysFile(config.http.apiKeysFile) : [];
  const entries = [...fromEnv, ...fromFile];
  const names = entries.map((e) => e.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ConfigError([`BIO_QUEUE_API_KEYS_FILE: the name "${twice}" is given twice (in the file, or in the file and BIO_QUEUE_API_KEYS/BIO_QUEUE_ADMIN_KEYS)`]);
  const hashes = entries.map((e) => e.sha256.toString('hex'));
  if (hashes.some((h, i) => hashes.indexOf(h) !== i)) throw new ConfigError(['BIO_QUEUE_API_KEYS_FILE: two names share one key']);
  const shortKeys = config.http.apiKeys.filter((k) => k.key.length < MIN_KEY_LENGTH).map((k) => k.name);
  return { ring: createKeyRing(entries), shortKeys };
}

export function createKeyRing(entries: readonly HashedApiKey[]): ApiKeyRing {
  return {
    entries,
    authenticate(authorization) {
      const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
      if (!match) return undefined;
      const presented = hashKey(match[1]!);
      let found: HashedApiKey | undefined;
      // No early exit: the time taken does not depend on which entry (if any) matched.
      for (const entry of entries) {
        if (timingSafeEqual(presented, entry.sha256) && !found) found = entry;
      }
      return found ? { owner: found.name, admin: found.admin, remote: true } : undefined;
    },
  };
}

/** `serve` needs a way to sign in: an API key, or an OpenID provider. */
export function requireSignIn(config: Config, ring: ApiKeyRing): void {
  if (ring.entries.length === 0 && config.http.oauth === undefined) {
    throw new ConfigError([
      'BIO_QUEUE_API_KEYS: `serve` needs at least one API key: set BIO_QUEUE_API_KEYS (name:key,…), BIO_QUEUE_ADMIN_KEYS, or BIO_QUEUE_API_KEYS_FILE (bio-mcp-queue add-key NAME writes one), or an OpenID provider whose users sign in (BIO_QUEUE_OAUTH_ISSUER)',
    ]);
  }
}
