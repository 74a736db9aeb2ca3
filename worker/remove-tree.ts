// Removes a job's work dir: each folder read once, its files unlinked and its folders emptied all
// at once, then the folder itself. Node's fs.rm({ recursive }) looks at every entry (lstat) and
// tries rmdir before reading a folder: seventeen calls through the thread pool for a tiny job's
// dir (strace) instead of nine, each a wake-up of a pool thread and of the event loop (issue 11).
// A small dir (a tiny job's) is removed in place, with no hand-off at all (small-tree.ts).
// Anything unusual (an entry whose type the file system does not say, a folder a tool made
// read-only, a dir already gone) goes to fs.rm, which knows those cases.
import fs from 'node:fs/promises';
import path from 'node:path';
import { removeSmallTreeInPlace } from './small-tree.js';

export async function removeTree(dir: string): Promise<void> {
  try {
    if (removeSmallTreeInPlace(dir)) return;
    await removePlainTree(dir);
  } catch {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function removePlainTree(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  // A symbolic link is unlinked, never followed (isDirectory() is false for it).
  await Promise.all(entries.map((entry) => (entry.isDirectory() ? removePlainTree(path.join(dir, entry.name)) : fs.unlink(path.join(dir, entry.name)))));
  await fs.rmdir(dir);
}
