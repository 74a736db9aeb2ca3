// All the memory this machine can hand its processes: its RAM and its swap. Past that no process
// can use more, whatever limit is set: the kernel refuses the allocation or its OOM killer acts.
// Read once per process: /proc/meminfo is made by the kernel on read (never waits on a disk), and
// neither figure changes while a worker runs, short of swapon, which only adds room.
import fs from 'node:fs';
import os from 'node:os';

let known: number | undefined;

/** RAM plus swap, in bytes (RAM alone where /proc/meminfo cannot be read: macOS). */
export function machineMemoryBytes(): number {
  known ??= os.totalmem() + swapBytes(readMeminfo());
  return known;
}

/** The SwapTotal line of /proc/meminfo, in bytes; 0 when absent. */
export function swapBytes(meminfo: string | undefined): number {
  const kib = /^SwapTotal:\s+(\d+) kB$/m.exec(meminfo ?? '')?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

function readMeminfo(): string | undefined {
  try {
    return fs.readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return undefined;
  }
}
