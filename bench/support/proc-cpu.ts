// CPU time a child process (or one of its threads) has used so far (user + system), read from
// /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat): a figure that machine load hardly moves, unlike wall time (issue 11's benches
// run on a shared 2-core machine). Linux only; elsewhere, or once the process is gone, undefined.
// Resolution: one clock tick (10 ms at the usual USER_HZ of 100).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return cpuMsOfStat(stat);
}

/** The fields of a /proc stat text after the command name (field 2), which is in parentheses and may hold spaces: [0] is field 3. */
export function statFieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU in a process's or a thread's /proc stat text, in ms. */
export function cpuMsOfStat(stat: string): number | undefined {
  // utime and stime are fields 14 and 15, i.e. the 12th and 13th after the name.
  const fields = statFieldsAfterName(stat);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks() : undefined;
}

/** This process's own CPU time so far (user + system, all threads), in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** processCpuMs of a process that must be there (a bench's own server or Redis): throws otherwise. */
export function runningProcessCpuMs(pid: number): number {
  const ms = processCpuMs(pid);
  if (ms === undefined) throw new Error(`no CPU time for process ${pid}: it has ended, or this is not Linux`);
  return ms;
}

/**
 * CPU time of a process's child processes that run `command` (a server's own helpers, such as
 * its tool spawner or the serving processes of `serve --processes N`, not the tools they start),
 * summed; 0 where there are none or this is not Linux. A helper that ends between two readings
 * drops out of the second.
 */
export function childProcessesCpuMs(parentPid: number, command = 'node'): number {
  return childPids(parentPid, command).reduce((total, pid) => total + (processCpuMs(pid) ?? 0), 0);
}

/** The pids of a process's child processes that run `command`; none where this is not Linux. */
export function childPids(parentPid: number, command = 'node'): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it has ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // The parent's pid is field 4, the 2nd after the name.
    if (name === command && Number(statFieldsAfterName(stat)[1]) === parentPid) pids.push(Number(entry));
  }
  return pids;
}
