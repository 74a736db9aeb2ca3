// The memory a job's tool processes hold, read from /proc: every process whose process group
// is one of the job's (a shell script's children included, as mafft's are), summed.
//
// The figure is RssAnon + RssShmem: memory the processes allocated themselves and that only
// freeing or killing them gives back. File-backed pages are left out on purpose: BLAST mmaps its
// database and a reader's page cache is shared and reclaimable, so counting them would charge a
// job for the size of a database it merely reads (and charge two jobs for one copy).
//
// /proc is read synchronously on purpose: its files are made by the kernel on read and never wait
// on a disk, and one sample reads a file per process on the machine, several times a second. Through
// the promise API each read is four thread-pool round trips: a sample of 84 processes took 23 ms of
// CPU against 1.6 ms read synchronously, which on a 2-core machine was CPU taken from the tool.
//
// Most samples do not read every process on the machine (groupMemorySampler): they walk down from
// the groups' leaders through /proc/<pid>/task/<tid>/children, a few files for a job's one or two
// processes instead of two hundred (issue 11: the full scan was the worker's largest own CPU cost
// of a short job on a loaded machine). A process that left the tree (its parent ended and it was
// reparented) but stays in the group is still counted: every few samples read all of /proc as
// before, and what they find outside the tree is read on every sample after.
import fs from 'node:fs';

export interface GroupMemory {
  /** Bytes, all groups together. */
  total: number;
  /** Bytes per process group id. */
  byGroup: Map<number, number>;
}

/** Every process of the groups, found by reading the whole of /proc. */
export function groupMemory(pgids: readonly number[]): GroupMemory {
  return measure(groupMembers(new Set(pgids)));
}

export interface GroupMemorySampler {
  /** The groups' memory now. */
  sample(): GroupMemory;
}

// One sample in this many reads all of /proc: with 250 ms samples, once a second.
const FULL_SCAN_EVERY = 4;

/** Samples of the groups' memory, most of them by walking the leaders' process trees (see the top of this file). */
export function groupMemorySampler(pgids: readonly number[]): GroupMemorySampler {
  const wanted = new Set(pgids);
  // Group members a full scan found outside the leaders' trees, read on every sample after.
  let strays = new Set<string>();
  let samples = 0;
  return {
    sample() {
      samples += 1;
      if (samples % FULL_SCAN_EVERY === 0) {
        const all = groupMembers(wanted);
        const inTree = treeMembers(pgids, wanted);
        strays = new Set([...all.keys()].filter((pid) => !inTree.has(pid)));
        return measure(all);
      }
      const members = treeMembers(pgids, wanted);
      for (const pid of strays) {
        if (members.has(pid)) continue;
        const group = processGroupOf(pid);
        if (group === undefined || !wanted.has(group)) strays.delete(pid);
        else members.set(pid, group);
      }
      return measure(members);
    },
  };
}

// The memory of the given processes (pid → group), by group.
function measure(members: ReadonlyMap<string, number>): GroupMemory {
  const byGroup = new Map<number, number>();
  let total = 0;
  for (const [pid, group] of members) {
    const bytes = privateResidentBytes(pid);
    total += bytes;
    byGroup.set(group, (byGroup.get(group) ?? 0) + bytes);
  }
  return { total, byGroup };
}

// Every process on the machine whose group is wanted (pid → group).
function groupMembers(wanted: ReadonlySet<number>): Map<string, number> {
  const members = new Map<string, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const group = processGroupOf(entry);
    if (group !== undefined && wanted.has(group)) members.set(entry, group);
  }
  return members;
}

// The leaders and their descendants that are in a wanted group (pid → group). A leader gone, or
// its pid now another process's, has no tree; a child that moved to a group of its own is not
// walked into (a full scan still finds any member below it).
function treeMembers(leaders: readonly number[], wanted: ReadonlySet<number>): Map<string, number> {
  const members = new Map<string, number>();
  const pending = leaders.map(String);
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (members.has(pid)) continue;
    const group = processGroupOf(pid);
    if (group === undefined || !wanted.has(group)) continue;
    members.set(pid, group);
    pending.push(...childrenOf(pid));
  }
  return members;
}

// A process's children, from each of its threads' children file (a child belongs to the thread that forked it).
function childrenOf(pid: string): string[] {
  let threads: string[];
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return threads.flatMap((tid) => (readProcFile(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter((child) => child !== '' && child !== '\n').map((child) => child.trim()));
}

// /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses,
// so the fields are counted from the last ")". A process gone meanwhile has no group.
function processGroupOf(pid: string): number | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  return Number.isInteger(pgrp) ? pgrp : undefined;
}

function privateResidentBytes(pid: string): number {
  const status = readProcFile(`/proc/${pid}/status`) ?? '';
  return (kiB(status, 'RssAnon') + kiB(status, 'RssShmem')) * 1024;
}

function kiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

// A process may end between the listing and the read: it has no file then.
function readProcFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
