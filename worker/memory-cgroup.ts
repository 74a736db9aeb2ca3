// A job's memory limit as the kernel's own: a cgroup v2 child with memory.max, where the worker
// runs in a v2 hierarchy that is delegated to it (writable) with the memory controller. The
// kernel then counts every page the tools charge (page cache included, reclaimed before it
// kills) and OOM-kills inside the group only; memory.events says that it did.
//
// cgroup v2 lets no process sit in a cgroup that hands controllers down to children, so a
// worker in an ordinary delegated cgroup (systemd Delegate=yes, a container's namespace root)
// first moves itself into a leaf of its own, then enables memory for the children, as systemd's
// delegation notes describe. Anything short of that (v1 or hybrid hosts like the test machine,
// whose v2 tree has no memory controller; a read-only /sys/fs/cgroup; other processes in the
// worker's cgroup) leaves the job to the resident-memory watch (resource-guard.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../src/logger.js';

let delegated: Promise<string | undefined> | undefined;

/** The folder job cgroups are made in, or undefined when this host gives no such cgroup. Tried once per process. */
export function delegatedMemoryCgroup(log: Logger): Promise<string | undefined> {
  delegated ??= findDelegatedCgroup(log).catch((err: unknown) => {
    log.debug({ err }, 'no delegated cgroup v2 with the memory controller; memory is watched instead');
    return undefined;
  });
  return delegated;
}

/** The worker's own cgroup v2 folder: /proc/self/cgroup's "0::" line under the cgroup2 mount. */
export async function ownCgroupV2Dir(procSelf = '/proc/self'): Promise<string | undefined> {
  const membership = await fs.readFile(path.join(procSelf, 'cgroup'), 'utf8');
  const relative = /^0::(\/.*)$/m.exec(membership)?.[1];
  if (relative === undefined) return undefined;
  const mountinfo = await fs.readFile(path.join(procSelf, 'mountinfo'), 'utf8');
  for (const line of mountinfo.split('\n')) {
    // "id parent major:minor root mountpoint options ... - fstype source superoptions"
    const [before, after] = line.split(' - ');
    if (!before || !after?.startsWith('cgroup2 ')) continue;
    const fields = before.split(' ');
    const [root, mountPoint] = [fields[3]!, fields[4]!];
    const inside = path.posix.relative(root, relative);
    if (inside.startsWith('..')) continue;
    return path.join(mountPoint, inside);
  }
  return undefined;
}

async function words(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8')).split(/\s+/).filter(Boolean);
}

async function findDelegatedCgroup(log: Logger): Promise<string | undefined> {
  const own = await ownCgroupV2Dir();
  if (!own) return undefined;
  if (!(await words(path.join(own, 'cgroup.controllers'))).includes('memory')) return undefined;
  // Already handed down: the worker sits in the hierarchy's root, the one cgroup exempt from the rule.
  if ((await words(path.join(own, 'cgroup.subtree_control'))).includes('memory')) return own;
  const leaf = path.join(own, `bioq-worker-${process.pid}`);
  await fs.mkdir(leaf);
  try {
    await fs.writeFile(path.join(leaf, 'cgroup.procs'), String(process.pid));
    await fs.writeFile(path.join(own, 'cgroup.subtree_control'), '+memory');
  } catch (err) {
    // Back where it was, so the host sees the worker as before.
    await fs.writeFile(path.join(own, 'cgroup.procs'), String(process.pid)).catch(() => undefined);
    await fs.rmdir(leaf).catch(() => undefined);
    throw err;
  }
  log.info({ cgroup: own }, 'tool memory limits use cgroup v2 memory.max');
  return own;
}

export interface JobCgroup {
  /** Moves a started process (and the children it forks from then on) in. */
  add(pid: number): Promise<void>;
  /** Processes the kernel killed for the limit so far. */
  oomKills(): Promise<number>;
  /** The most memory the group held (memory.peak, kernels 5.19+), else what it holds now. */
  peak(): Promise<number | undefined>;
  /** Kills what is left in it and removes it. */
  remove(): Promise<void>;
}

export async function createJobCgroup(parent: string, limitBytes: number, log: Logger): Promise<JobCgroup> {
  const dir = path.join(parent, `bioq-job-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'memory.max'), String(limitBytes));
  // Without swap the limit is memory the machine really gives; with it, the tool would crawl
  // in swap instead of being stopped. A kill takes the whole group, not one process of a pipe.
  await fs.writeFile(path.join(dir, 'memory.swap.max'), '0').catch((err: unknown) => log.debug({ err }, 'cgroup: memory.swap.max not set'));
  await fs.writeFile(path.join(dir, 'memory.oom.group'), '1').catch((err: unknown) => log.debug({ err }, 'cgroup: memory.oom.group not set'));
  const read = (file: string) => fs.readFile(path.join(dir, file), 'utf8');
  return {
    add: (pid) => fs.writeFile(path.join(dir, 'cgroup.procs'), String(pid)),
    async oomKills() {
      const events = await read('memory.events').catch(() => '');
      return Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0);
    },
    async peak() {
      const text = (await read('memory.peak').catch(() => undefined)) ?? (await read('memory.current').catch(() => undefined));
      return text === undefined ? undefined : Number(text.trim());
    },
    async remove() {
      await fs.writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => undefined); // kernels before 5.14 have none; the groups were killed anyway
      for (let i = 0; i < 50; i += 1) {
        if ((await read('cgroup.procs').catch(() => '')).trim() === '') break;
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      await fs.rmdir(dir).catch((err: unknown) => log.warn({ err, cgroup: dir }, 'could not remove a job cgroup'));
    },
  };
}
