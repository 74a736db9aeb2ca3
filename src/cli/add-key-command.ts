// `bio-mcp-queue add-key NAME [--admin]`: makes a strong random API key, appends its SHA-256 to
// the keys file (created with mode 0600) and prints the key once: the file never holds it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, isUsableKeyName, type Config } from '../config.js';
import { keysFileLine, parseKeysFile } from '../http/api-keys.js';

export async function runAddKey(config: Config, name: string, admin: boolean, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const file = config.http.apiKeysFile;
  if (!file) throw new ConfigError(['BIO_QUEUE_API_KEYS_FILE: set it to the keys file `serve` reads (an absolute path) so add-key knows where to write']);
  if (!isUsableKeyName(name)) {
    throw new ConfigError([`NAME: "${name}" is not usable: 1-64 letters, digits, "_", "." or "-", starting with a letter or digit, not "local" and not starting with "oidc."`]);
  }
  const existing = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw new ConfigError([`BIO_QUEUE_API_KEYS_FILE: cannot read ${file} (${e.code ?? e.message})`]);
  });
  if (parseKeysFile(existing, file).some((entry) => entry.name === name)) {
    throw new ConfigError([`NAME: "${name}" already has a key in ${file}; remove its line first to replace it`]);
  }
  const key = randomBytes(32).toString('base64url');
  await fs.mkdir(path.dirname(file), { recursive: true });
  // A file that does not end in a newline would glue our line onto its last one.
  const separator = existing.length > 0 && !existing.endsWith('\n') ? '\n' : '';
  await fs.appendFile(file, separator + keysFileLine(name, key, admin), { mode: 0o600 });
  const mode = (await fs.stat(file)).mode & 0o777;
  if (mode & 0o077) err.write(`bio-mcp-queue: warning: ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it\n`);
  err.write(`bio-mcp-queue: added ${admin ? 'admin ' : ''}key "${name}" to ${file}; restart \`serve\` to accept it. The key is shown once:\n`);
  out.write(`${key}\n`);
}
