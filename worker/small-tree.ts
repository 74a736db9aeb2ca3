// A job's work dir, looked at or removed in place while it is small. The other bookkeeping of
// in-place-files.ts is bounded by its nature; a tree is not (a tool decides how many files it
// writes and how large), so it is done in place only within a budget (IN_PLACE_TREE), read before
// anything is touched: at most 64 entries, and for a removal at most 16 MiB of blocks freed
// (unlinking a file's last link frees its blocks inside the call). A tiny job's dir (its input,
// its output, its stderr, two folders) took nineteen hand-offs to the thread pool and back to be
// walked once more and removed (bench/RESULTS.md, issue 11). Anything larger goes on through the
// pool as before (remove-tree.ts, work-dir-usage.ts).
import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';

export interface TreeBudget {
  /** Files, folders and links under the dir, together. */
  entries: number;
  /** Blocks that unlinking the files would free (a file linked elsewhere as well frees none). */
  freedBytes: number;
}

export const IN_PLACE_TREE: TreeBudget = { entries: 64, freedBytes: 16 * 2 ** 20 };

/**
 * Removes dir and everything under it in place if it is within the budget, and says so; a tree
 * over the budget is left untouched. Links are unlinked, never followed. Throws what the file
 * system says (a dir that is not there, a folder that cannot be read), for the caller's fallback.
 */
export function removeSmallTreeInPlace(dir: string, budget: TreeBudget = IN_PLACE_TREE): boolean {
  const folders: string[] = [];
  const files: string[] = [];
  let freed = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    folders.push(folder);
    const entries = readdirSync(folder, { withFileTypes: true });
    if (folders.length - 1 + files.length + entries.length > budget.entries) return false;
    for (const entry of entries) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        pending.push(file);
        continue;
      }
      if (entry.isFile()) {
        const stat = lstatSync(file);
        if (stat.nlink === 1) freed += stat.blocks * 512;
        if (freed > budget.freedBytes) return false;
      }
      files.push(file);
    }
  }
  for (const file of files) unlinkSync(file);
  // Each folder was listed after its parent: in reverse, every folder is empty when its turn comes.
  for (const folder of folders.reverse()) rmdirSync(folder);
  return true;
}

/**
 * The blocks the tree under dir takes, counted as du does (a hard-linked file once), in place if
 * it has at most `entries` entries; undefined (after at most that many looks) if it has more.
 * While a tool runs its files come and go: a folder or file gone between the listing and the look
 * counts for nothing, as in the walk through the pool.
 */
export function diskUsageInPlace(dir: string, entries: number = IN_PLACE_TREE.entries): number | undefined {
  const seen = new Set<string>();
  let total = 0;
  let looked = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    looked += names.length;
    if (looked > entries) return undefined;
    for (const name of names) {
      const file = path.join(folder, name);
      let stat;
      try {
        stat = lstatSync(file, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (!stat) continue;
      const inode = `${stat.dev}:${stat.ino}`;
      if (seen.has(inode)) continue;
      seen.add(inode);
      total += stat.blocks * 512;
      if (stat.isDirectory()) pending.push(file);
    }
  }
  return total;
}
