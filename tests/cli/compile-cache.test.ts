// The executable turns on Node's compile cache before the command loads (src/cli/compile-cache.ts,
// issue 11): in the user's own cache folder, on the Nodes that have one (≥ 22.1), and a folder
// that cannot be made never stops the command. Run as a user runs it: the built main.js.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../src/cli/compile-cache.js';
import { REPO } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const VERSION = (JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** Node 20 has no compile cache; 22.1 and later do. */
const NODE_HAS_COMPILE_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

// `--version` loads the command's modules (config, logger, the catalog) and needs no Redis.
async function version(env: Record<string, string>) {
  return execa(process.execPath, [MAIN, '--version'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
}

describe('compile cache', () => {
  it('lives in the per-user cache folder of each platform', () => {
    expect(compileCacheDir({}, 'linux', '/home/ann')).toBe('/home/ann/.cache/bio-mcp-queue/node-compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: '/var/cache/ann' }, 'linux', '/home/ann')).toBe('/var/cache/ann/bio-mcp-queue/node-compile-cache');
    // A relative XDG_CACHE_HOME is to be ignored (XDG Base Directory spec).
    expect(compileCacheDir({ XDG_CACHE_HOME: 'cache' }, 'linux', '/home/ann')).toBe('/home/ann/.cache/bio-mcp-queue/node-compile-cache');
    expect(compileCacheDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Caches/bio-mcp-queue/node-compile-cache');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32', 'C:\\Users\\ann')).toBe(
      path.join('C:\\Users\\ann\\AppData\\Local', 'bio-mcp-queue', 'cache', 'node-compile-cache'),
    );
  });

  it(`is written by a run on Node ≥ 22.1 and left alone on Node 20 (this is ${process.version})`, async () => {
    const cacheHome = await fs.mkdtemp(path.join(os.tmpdir(), 'bmq-cache-'));
    dirs.push(cacheHome);
    const run = await version({ XDG_CACHE_HOME: cacheHome });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(VERSION);
    const folder = path.join(cacheHome, 'bio-mcp-queue', 'node-compile-cache');
    if (NODE_HAS_COMPILE_CACHE) {
      // One subfolder per Node version, holding an entry per module compiled: main.js and the
      // bundle's chunks that --version loads (9 at this writing; only main.js would mean the
      // command was loaded before the cache was on).
      const [versionDir, ...others] = await fs.readdir(folder);
      expect(others).toEqual([]);
      expect(versionDir).toMatch(new RegExp(`^${process.version.replaceAll('.', '\\.')}-`));
      expect((await fs.readdir(path.join(folder, versionDir!))).length).toBeGreaterThan(5);
    } else {
      expect(existsSync(folder)).toBe(false);
    }
  });

  it('does not stop the command when its folder cannot be made', async () => {
    const cacheHome = await fs.mkdtemp(path.join(os.tmpdir(), 'bmq-cache-'));
    dirs.push(cacheHome);
    // Under a regular file: mkdir fails with ENOTDIR whoever runs the test (root too).
    const file = path.join(cacheHome, 'a-file');
    await fs.writeFile(file, '');
    const run = await version({ XDG_CACHE_HOME: file });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(VERSION);
  });
});
