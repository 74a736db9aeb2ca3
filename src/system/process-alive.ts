// Whether a pid names a live process. kill(pid, 0) answers for existence; a zombie (an exited
// process nobody reaped, common in containers whose PID 1 does not reap) counts as gone, which
// /proc tells where it exists (Linux; elsewhere a pid that exists is taken at its word).
import fs from 'node:fs/promises';

export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Unreadable where there is no /proc (macOS): kill(pid, 0) has answered already.
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Field 3, after the parenthesised command name, is the state.
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
