// Every entry under some folders, by path, type and size, read without following symbolic links
// (the traps link to / and /etc): two snapshots around a fuzz run show any file it left behind.
import fs from 'node:fs/promises';
import path from 'node:path';

export type Snapshot = Map<string, string>;

export async function snapshotDirs(dirs: readonly string[]): Promise<Snapshot> {
  const entries: Snapshot = new Map();
  for (const dir of dirs) await walk(dir, entries);
  return entries;
}

async function walk(dir: string, into: Snapshot): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const stat = await fs.lstat(full);
    const type = entry.isDirectory() ? 'dir' : entry.isSymbolicLink() ? `link -> ${await fs.readlink(full)}` : entry.isFile() ? 'file' : 'special';
    into.set(full, entry.isFile() ? `${type} ${stat.size} bytes` : type);
    if (entry.isDirectory()) await walk(full, into);
  }
}

/** One line per entry added, removed or changed between two snapshots. */
export function snapshotChanges(before: Snapshot, after: Snapshot): string[] {
  const changes: string[] = [];
  for (const [p, what] of after) {
    if (!before.has(p)) changes.push(`added ${p} (${what})`);
    else if (before.get(p) !== what) changes.push(`changed ${p}: ${before.get(p)} -> ${what}`);
  }
  for (const [p, what] of before) if (!after.has(p)) changes.push(`removed ${p} (${what})`);
  return changes;
}
