// Is a tool installed, where, and which version: what `doctor` prints and what a worker checks
// before it takes jobs. The binary is found by walking PATH ourselves (no `which`, which is
// missing from slim images) and asked its version with an argv array, never a shell.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { InstallPackages } from '../../tools/define-tool.js';
import { installHint } from './install-hints.js';

export type ProbeResult = { found: true; path: string; version: string } | { found: false; hint: string };

const VERSION_TIMEOUT_MS = 5_000;

// The first executable file named `binary` on `searchPath`; a name with a slash is taken as a path.
export async function findOnPath(binary: string, searchPath: string): Promise<string | undefined> {
  const candidates = binary.includes('/') || binary.includes(path.sep)
    ? [path.resolve(binary)]
    : searchPath
        .split(path.delimiter)
        .filter((dir) => dir.length > 0)
        .map((dir) => path.resolve(dir, binary));
  for (const candidate of candidates) {
    try {
      const stat = await fs.stat(candidate);
      if (!stat.isFile()) continue;
      await fs.access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, or not executable: keep looking
    }
  }
  return undefined;
}

// The version a tool reports: the first line of its output that matches, group 1 when it has one.
export function parseVersion(output: string, pattern: RegExp): string | undefined {
  // A /g or /y pattern keeps lastIndex between calls; a plain copy matches from the start each time.
  const once = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  for (const line of output.split(/\r?\n/)) {
    const match = once.exec(line);
    if (match) return match[1] ?? match[0];
  }
  return undefined;
}

export interface ProbeOptions {
  /** Defaults to this process's PATH, the same one tools are started with (worker/launch-pipeline.ts). */
  searchPath?: string;
  /** The packages that provide the binary, for the install hint. */
  install?: InstallPackages | undefined;
}

// Where `binary` is and what version it says it is; when it is missing, how to install it.
export async function probeBinary(binary: string, versionArgs: readonly string[], versionPattern: RegExp, options: ProbeOptions = {}): Promise<ProbeResult> {
  const found = await findOnPath(binary, options.searchPath ?? process.env.PATH ?? '');
  if (!found) return { found: false, hint: installHint(binary, options.install) };
  const result = await execa(found, [...versionArgs], {
    reject: false,
    timeout: VERSION_TIMEOUT_MS,
    all: true,
    stdin: 'ignore',
    env: { LC_ALL: 'C' },
  });
  return { found: true, path: found, version: parseVersion(result.all ?? '', versionPattern) ?? 'unknown' };
}
