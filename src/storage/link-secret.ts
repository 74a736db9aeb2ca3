// The secret that signs local-storage links: configured, or made once and kept in the data dir
// so links stay valid across restarts and every `serve` sharing the dir agrees on it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { BioQueueError } from '../errors.js';

export const LINK_SECRET_FILE = 'link-secret';
const MIN_LENGTH = 32;

export async function loadLinkSecret(config: Pick<Config, 'dataDir' | 'http'>): Promise<string> {
  if (config.http.linkSecret !== undefined) return config.http.linkSecret;
  const file = path.join(config.dataDir, LINK_SECRET_FILE);
  const existing = await readSecret(file);
  if (existing !== undefined) return existing;
  await fs.mkdir(config.dataDir, { recursive: true });
  // Written whole under a private name, then linked into place: link() fails if another process
  // got there first, and then its secret wins, so two servers starting together never differ.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(draft, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.rm(draft, { force: true });
  }
  const secret = await readSecret(file);
  if (secret === undefined) throw new BioQueueError('infrastructure', `${file}: the link secret could not be created`);
  return secret;
}

async function readSecret(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = (await fs.readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.length < MIN_LENGTH) {
    throw new BioQueueError('infrastructure', `${file}: the link secret is shorter than ${MIN_LENGTH} characters; delete the file to make a new one`);
  }
  return text;
}
