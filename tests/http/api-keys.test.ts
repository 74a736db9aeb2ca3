// API keys: the keys file format and its errors, the constant-time lookup, `add-key` writing a
// hash (never the key) to a 0600 file, `serve` accepting the printed key, and refusing to start
// with no key at all.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAddKey } from '../../src/cli/add-key-command.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createKeyRing, hashKey, loadApiKeys, parseKeysFile } from '../../src/http/api-keys.js';
import { startHttpServer } from '../../src/http/start-http-server.js';
import { createLogger } from '../../src/logger.js';
import type { JobPage } from '../../src/jobs/job-model.js';
import { testEnv } from '../support/harness.js';
import { startHttpHarness } from '../support/http-harness.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-keys-'));
});

afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

const hex = (key: string) => createHash('sha256').update(key).digest('hex');

// Runs add-key as the CLI does and returns what it printed.
async function addKey(file: string | undefined, name: string, admin = false): Promise<{ key: string; note: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const notes: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => notes.push(c));
  await runAddKey(loadConfig(file ? { BIO_QUEUE_API_KEYS_FILE: file } : {}), name, admin, out, err);
  return { key: Buffer.concat(chunks).toString(), note: Buffer.concat(notes).toString() };
}

describe('the keys file', () => {
  it('reads "name sha256 [admin]" lines, skipping comments and blank lines', () => {
    const text = `# lab keys\n\nalice ${hex('a-key')}\n  bob ${hex('b-key').toUpperCase()} admin  # the PI\n`;
    expect(parseKeysFile(text, '/etc/keys')).toEqual([
      { name: 'alice', admin: false, sha256: hashKey('a-key') },
      { name: 'bob', admin: true, sha256: hashKey('b-key') },
    ]);
  });

  it('names the file and line of a bad entry, never echoing it', () => {
    const problem = (text: string) => {
      try {
        parseKeysFile(text, '/etc/keys');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
      throw new Error('no error');
    };
    expect(problem(`alice ${hex('x')}\nbob s3cret\n`)).toEqual([
      'BIO_QUEUE_API_KEYS_FILE: /etc/keys line 2: expected "name sha256-hex [admin]" (bio-mcp-queue add-key NAME writes such lines)',
    ]);
    expect(problem(`alice ${hex('x')} superuser\n`)).toEqual([
      'BIO_QUEUE_API_KEYS_FILE: /etc/keys line 1: expected "name sha256-hex [admin]" (bio-mcp-queue add-key NAME writes such lines)',
    ]);
    expect(problem(`\n\nlocal ${hex('x')}\n`)).toEqual([
      'BIO_QUEUE_API_KEYS_FILE: /etc/keys line 3: "local" is not a usable name: letters, digits, "_", "." or "-", not "local" and not starting with "oidc."',
    ]);
  });

  it('may not repeat a name of BIO_QUEUE_API_KEYS', async () => {
    const file = path.join(dir, 'dup-keys');
    await fs.writeFile(file, `alice ${hex('another-long-key')}\n`);
    const config = loadConfig({ BIO_QUEUE_API_KEYS: 'alice:0123456789abcdef', BIO_QUEUE_API_KEYS_FILE: file });
    await expect(loadApiKeys(config)).rejects.toThrow('BIO_QUEUE_API_KEYS_FILE: the name "alice" is given twice');
  });

  it('reports environment keys too short to be safe', async () => {
    const { shortKeys } = await loadApiKeys(loadConfig({ BIO_QUEUE_API_KEYS: 'alice:short,bob:0123456789abcdef' }));
    expect(shortKeys).toEqual(['alice']);
  });
});

describe('authentication', () => {
  const ring = createKeyRing([
    { name: 'alice', admin: false, sha256: hashKey('alice-key-0123456789') },
    { name: 'root', admin: true, sha256: hashKey('root-key-0123456789') },
  ]);

  it('turns a Bearer key into its caller', () => {
    expect(ring.authenticate('Bearer alice-key-0123456789')).toEqual({ owner: 'alice', admin: false, remote: true });
    expect(ring.authenticate('bearer root-key-0123456789')).toEqual({ owner: 'root', admin: true, remote: true });
  });

  it('finds no caller for a missing, wrong or differently sent key', () => {
    expect(ring.authenticate(undefined)).toBeUndefined();
    expect(ring.authenticate('')).toBeUndefined();
    expect(ring.authenticate('Bearer alice-key-012345678')).toBeUndefined();
    expect(ring.authenticate('alice-key-0123456789')).toBeUndefined();
    expect(ring.authenticate('Basic alice-key-0123456789')).toBeUndefined();
  });
});

describe('bio-mcp-queue add-key', () => {
  it('appends a hash to a 0600 file and prints the key once; serve then accepts it', async () => {
    const file = path.join(dir, 'conf', 'api-keys');
    const carol = await addKey(file, 'carol');
    expect(carol.key).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(carol.note).toBe(`bio-mcp-queue: added key "carol" to ${file}; restart \`serve\` to accept it. The key is shown once:\n`);
    const dave = await addKey(file, 'dave', true);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const text = await fs.readFile(file, 'utf8');
    expect(text).toBe(`carol ${hex(carol.key.trim())}\ndave ${hex(dave.key.trim())} admin\n`);
    expect(text).not.toContain(carol.key.trim());

    await expect(addKey(file, 'carol')).rejects.toThrow(`NAME: "carol" already has a key in ${file}; remove its line first to replace it`);

    // The same keys file behind a real server.
    const h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_API_KEYS_FILE: file } });
    try {
      expect((await h.api<JobPage>(carol.key.trim(), 'GET', '/jobs')).status).toBe(200);
      expect((await h.api(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'blastn', parameters: { query: '>q\nACGT\n', database: 'lambda' } })).status).toBe(202);
      // dave is an admin: alice's job is in his list, not in carol's.
      expect((await h.api<JobPage>(dave.key.trim(), 'GET', '/jobs')).body.jobs).toHaveLength(1);
      expect((await h.api<JobPage>(carol.key.trim(), 'GET', '/jobs')).body.jobs).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('needs BIO_QUEUE_API_KEYS_FILE and a usable name', async () => {
    await expect(addKey(undefined, 'carol')).rejects.toThrow('BIO_QUEUE_API_KEYS_FILE: set it to the keys file `serve` reads (an absolute path) so add-key knows where to write');
    await expect(addKey(path.join(dir, 'k'), 'no/slash')).rejects.toThrow('NAME: "no/slash" is not usable');
  });
});

describe('serve without keys', () => {
  it('refuses to start, saying how to make one', async () => {
    const { env, dataDir } = await testEnv();
    try {
      const config = loadConfig(env);
      await expect(startHttpServer(config, createLogger('silent'), { host: '127.0.0.1', port: 0, embeddedWorker: false })).rejects.toThrow(
        'BIO_QUEUE_API_KEYS: `serve` needs at least one API key: set BIO_QUEUE_API_KEYS (name:key,…), BIO_QUEUE_ADMIN_KEYS, or BIO_QUEUE_API_KEYS_FILE (bio-mcp-queue add-key NAME writes one), or an OpenID provider whose users sign in (BIO_QUEUE_OAUTH_ISSUER)',
      );
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
