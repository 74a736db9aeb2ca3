// Finds live processes by their working directory, read from /proc: how a test proves that a
// cancelled or timed-out job left no tool process behind.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Processes working in a job's work dir: <work root>/<worker folder>/<job id>-XXXXXX. */
export async function processesOfJob(workRoot: string, jobId: string): Promise<{ pid: number; cmd: string }[]> {
  return processesWithCwdUnder(workRoot, (cwd) => path.basename(cwd).startsWith(`${jobId}-`));
}

export async function processesWithCwdUnder(prefix: string, also: (cwd: string) => boolean = () => true): Promise<{ pid: number; cmd: string }[]> {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await fs.readlink(`/proc/${entry}/cwd`).catch(() => undefined);
    if (!cwd || !cwd.startsWith(prefix) || !also(cwd)) continue;
    const cmd = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    // A zombie has no cwd link; anything listed here is alive.
    found.push({ pid: Number(entry), cmd: cmd.split('\0').join(' ').trim() });
  }
  return found;
}

