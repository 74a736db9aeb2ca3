// `bio-mcp-queue serve` as a user runs it (the built command in its own process): it says where
// it listens, answers, and on SIGTERM closes and exits 0; without an API key it will not start.
import path from 'node:path';
import readline from 'node:readline';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import { REPO, testEnv } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

describe('bio-mcp-queue serve', () => {
  it('logs its address, serves, and exits 0 on SIGTERM', async () => {
    const key = 'k'.repeat(32);
    const { env, dataDir } = await testEnv({ BIO_QUEUE_API_KEYS: `alice:${key}`, BIO_QUEUE_LOG_LEVEL: 'info' });
    try {
      const child = execa(process.execPath, [MAIN, 'serve', '--port', '0'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
      // The first log line with a url is the ready line.
      let ready: { url: string; publicUrl: string; storage: string } | undefined;
      for await (const line of readline.createInterface({ input: child.stderr! })) {
        const entry = JSON.parse(line) as { msg: string; url?: string; publicUrl: string; storage: string };
        if (entry.url) {
          ready = entry as typeof ready;
          break;
        }
      }
      expect(ready!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready!.publicUrl).toBe(ready!.url);
      expect(ready!.storage).toBe('local');
      expect((await fetch(`${ready!.url}/health`)).status).toBe(200);
      const jobs = await fetch(`${ready!.url}/jobs`, { headers: { Authorization: `Bearer ${key}` } });
      expect(await jobs.json()).toEqual({ jobs: [], next_cursor: null });

      child.kill('SIGTERM');
      const result = await child;
      expect(result.exitCode).toBe(0);
      await expect(fetch(`${ready!.url}/health`)).rejects.toThrow();
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start without an API key (exit 2), and a bad port', async () => {
    const { env, dataDir } = await testEnv();
    try {
      const run = (args: string[]) => execa(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
      const noKeys = await run(['serve', '--port', '0']);
      expect(noKeys.exitCode).toBe(2);
      expect(noKeys.stderr).toBe(
        'bio-mcp-queue: invalid configuration:\n  BIO_QUEUE_API_KEYS: `serve` needs at least one API key: set BIO_QUEUE_API_KEYS (name:key,…), BIO_QUEUE_ADMIN_KEYS, or BIO_QUEUE_API_KEYS_FILE (bio-mcp-queue add-key NAME writes one), or an OpenID provider whose users sign in (BIO_QUEUE_OAUTH_ISSUER)',
      );
      const badPort = await run(['serve', '--port', 'eighty']);
      expect(badPort.exitCode).toBe(2);
      expect(badPort.stderr).toBe('bio-mcp-queue: --port: expected a whole number from 0 to 65535, got "eighty"');
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
