// Node's on-disk compile cache (module.enableCompileCache, Node ≥ 22.1): the V8 code of every
// module the command loads is kept between runs, so a later start does not parse and compile
// them again (the SDK, zod, ajv, BullMQ, ours). A desktop client launches the stdio server at
// each start and waits for it (issue 11, bench/RESULTS.md). On Node 20 there is no such API and
// this does nothing.
//
// The cache is the user's own, in the per-user cache folder, not Node's default under the
// system temp dir: code read from a folder other users can write to would be code they chose.
// Node keeps one subfolder per Node version and checks each entry against its source's hash,
// so upgrades and rebuilds need no clean-up. It is only a cache: a folder that cannot be
// created or written leaves the command running as without it (Node reports that in the
// status, it does not throw; anything else thrown is swallowed for the same reason).
// NODE_COMPILE_CACHE=dir and NODE_DISABLE_COMPILE_CACHE=1 keep their meaning: Node applies them
// itself, before this runs.
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The parts of node:module this uses; both absent on Node 20, flush also before 22.10. */
interface CompileCacheApi {
  enableCompileCache?: (directory: string) => { status: number; message?: string; directory?: string };
  flushCompileCache?: () => void;
}

const api = module as unknown as CompileCacheApi;

/** The per-user cache folder of each platform, as defaultDataDir (config.ts) picks the data folder. */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'bio-mcp-queue', 'node-compile-cache');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'bio-mcp-queue', 'cache', 'node-compile-cache');
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'), 'bio-mcp-queue', 'node-compile-cache');
}

/**
 * Turns the cache on for every module loaded from now on. The process environment is read here,
 * before config.ts, because this must run before the modules that config.ts itself loads.
 */
export function startCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (typeof api.enableCompileCache !== 'function') return;
  try {
    api.enableCompileCache(compileCacheDir(env));
  } catch {
    // No home folder, or a Node that throws where 22 reports: run without the cache.
  }
}

/**
 * Writes what has been compiled so far now rather than at exit, for a process that may be killed
 * (a desktop client stopping its stdio server with SIGKILL). Entries already on disk are not written again.
 */
export function flushCompileCache(): void {
  if (typeof api.flushCompileCache !== 'function') return;
  try {
    api.flushCompileCache();
  } catch {
    // As above: a cache that cannot be written is no failure of the command.
  }
}
