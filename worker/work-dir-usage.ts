// How much a job's work dir holds while its tool runs, measured as du would: the blocks each
// file takes on disk (a sparse file counts for what it really occupies; a hard-linked file once),
// walking the whole tree, temporary files included. And the apparent size of its declared
// outputs, which is what a client downloads.
import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { diskUsageInPlace } from './small-tree.js';

/** A small tree (a tiny job's) is walked in place (small-tree.ts), a larger one through the thread pool. */
export async function diskUsage(dir: string): Promise<number> {
  return diskUsageInPlace(dir) ?? diskUsageThroughPool(dir);
}

async function diskUsageThroughPool(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (folder: string): Promise<void> => {
    // A folder removed meanwhile (a tool's temporary one) holds nothing any more.
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const file = path.join(folder, entry.name);
      const stat = await fs.lstat(file, { bigint: false }).catch(() => undefined);
      if (!stat) continue;
      const inode = `${stat.dev}:${stat.ino}`;
      if (seen.has(inode)) continue;
      seen.add(inode);
      total += stat.blocks * 512;
      if (stat.isDirectory()) await walk(file);
    }
  };
  await walk(dir);
  return total;
}

/** The outputs' sizes together; one not written yet counts 0. */
export function outputsSize(dir: string, names: readonly string[]): number {
  let total = 0;
  for (const name of names) total += outputFileSize(path.join(dir, name)) ?? 0;
  return total;
}

/**
 * An output's size, looked at in place (in-place-files.ts); undefined when it is not a file, not
 * there or not readable (a path through a file, say): nothing a client could download.
 */
export function outputFileSize(file: string): number | undefined {
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat?.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
