// Live processes found through /proc by where they work or what they were given: a tool runs
// with its job's work dir as cwd and names files under the data dir, so a tool left behind by a
// dead worker shows up here whoever its parent is now. Zombies have no cwd and are not counted:
// they are dead, only not yet reaped.
import fs from 'node:fs/promises';

export interface LiveProcess {
  pid: number;
  cwd: string;
  cmd: string;
}

export async function processesUnder(prefix: string): Promise<LiveProcess[]> {
  const found: LiveProcess[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // Unreadable: gone meanwhile, a zombie, or not ours to see.
    const cwd = await fs.readlink(`/proc/${entry}/cwd`).catch(() => undefined);
    if (cwd === undefined) continue;
    const cmd = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
    if (cwd.startsWith(prefix) || cmd.includes(prefix)) found.push({ pid: Number(entry), cwd, cmd });
  }
  return found;
}

/** SIGKILLs every process under prefix but those in spare; returns how many were hit. */
export async function killProcessesUnder(prefix: string, spare: ReadonlySet<number> = new Set()): Promise<number> {
  let killed = 0;
  for (const p of await processesUnder(prefix)) {
    if (spare.has(p.pid) || p.pid === process.pid) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      killed += 1;
    } catch {
      // gone already
    }
  }
  return killed;
}
