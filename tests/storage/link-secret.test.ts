// The link secret: configured, or made once in the data dir (private to its owner) and the
// same for everyone who asks after, even when several ask at once.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadLinkSecret } from '../../src/storage/link-secret.js';
import { makeTempDir } from '../inputs/temp-dir.js';

let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await makeTempDir('link-secret');
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const configFor = (dataDir: string, env: Record<string, string> = {}) => loadConfig({ BIO_QUEUE_DATA_DIR: dataDir, ...env });

describe('loadLinkSecret', () => {
  it('uses BIO_QUEUE_LINK_SECRET when set, writing nothing', async () => {
    const dataDir = path.join(tmp, `d${++n}`);
    const secret = 'configured-secret-of-at-least-32-characters';
    await expect(loadLinkSecret(configFor(dataDir, { BIO_QUEUE_LINK_SECRET: secret }))).resolves.toBe(secret);
    await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates a random secret once, readable by its owner only, and returns it again after', async () => {
    const dataDir = path.join(tmp, `d${++n}`);
    const first = await loadLinkSecret(configFor(dataDir));
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const stat = await fs.stat(path.join(dataDir, 'link-secret'));
    expect(stat.mode & 0o777).toBe(0o600);
    await expect(loadLinkSecret(configFor(dataDir))).resolves.toBe(first);
    expect(await fs.readdir(dataDir)).toEqual(['link-secret']);
  });

  it('gives one secret to callers that race to create it', async () => {
    const dataDir = path.join(tmp, `d${++n}`);
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadLinkSecret(configFor(dataDir))));
    expect(new Set(secrets).size).toBe(1);
    expect(await fs.readdir(dataDir)).toEqual(['link-secret']);
  });

  it('refuses a secret file that is too short to be safe', async () => {
    const dataDir = path.join(tmp, `d${++n}`);
    await fs.mkdir(dataDir);
    await fs.writeFile(path.join(dataDir, 'link-secret'), 'short\n');
    await expect(loadLinkSecret(configFor(dataDir))).rejects.toMatchObject({
      code: 'infrastructure',
      message: `${path.join(dataDir, 'link-secret')}: the link secret is shorter than 32 characters; delete the file to make a new one`,
    });
  });
});
