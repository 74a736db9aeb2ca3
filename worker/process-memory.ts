// The memory a job's tool processes hold, read from /proc: every process whose process group
// is one of the job's (a shell script's children included, as mafft's are), summed.
//
// The figure is RssAnon + RssShmem: memory the processes allocated themselves and that only
// freeing or killing them gives back. File-backed pages are left out on purpose: BLAST mmaps its
// database and a reader's page cache is shared and reclaimable, so counting them would charge a
// job for the size of a database it merely reads (and charge two jobs for one copy).
import fs from 'node:fs/promises';

export interface GroupMemory {
  /** Bytes, all groups together. */
  total: number;
  /** Bytes per process group id. */
  byGroup: Map<number, number>;
}

export async function groupMemory(pgids: readonly number[]): Promise<GroupMemory> {
  const wanted = new Set(pgids);
  const byGroup = new Map<number, number>();
  let total = 0;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const group = await processGroupOf(entry);
    if (group === undefined || !wanted.has(group)) continue;
    const bytes = await privateResidentBytes(entry);
    total += bytes;
    byGroup.set(group, (byGroup.get(group) ?? 0) + bytes);
  }
  return { total, byGroup };
}

// /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses,
// so the fields are counted from the last ")". A process gone meanwhile has no group.
async function processGroupOf(pid: string): Promise<number | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  return Number.isInteger(pgrp) ? pgrp : undefined;
}

async function privateResidentBytes(pid: string): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return (kiB(status, 'RssAnon') + kiB(status, 'RssShmem')) * 1024;
}

function kiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}
