// Each worker process keeps its jobs' work dirs in a folder of its own, named for its host and
// pid. A worker killed outright (SIGKILL, OOM) cannot clean up, and its tools, started as their
// own process groups, outlive it: the next worker on the host finds the folder of a dead pid,
// kills the process groups recorded there and removes it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../src/logger.js';
import { isProcessAlive } from '../src/system/process-alive.js';

export const TOOL_PGID_FILE = '.tool-pgid';

function folderName(pid: number): string {
  return `${os.hostname()}.${pid}.${randomBytes(3).toString('hex')}`;
}

// Kills the tool groups recorded in a job dir (one per process of a pipeline), each only if its
// leader still works in that dir (so a reused pid is never hit).
async function killRecordedGroups(jobDir: string, log: Logger): Promise<void> {
  // No file: the job had not started a tool yet.
  const recorded = await fs.readFile(path.join(jobDir, TOOL_PGID_FILE), 'utf8').catch(() => '');
  for (const line of recorded.split('\n')) {
    const pgid = Number(line);
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    // Unreadable: the process is gone, or not ours to judge.
    const cwd = await fs.readlink(`/proc/${pgid}/cwd`).catch(() => undefined);
    if (cwd !== jobDir) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
      log.warn({ pgid, jobDir }, 'killed a tool left running by a dead worker');
    } catch {
      // already gone
    }
  }
}

export async function reapDeadWorkerFolders(workRoot: string, log: Logger): Promise<number> {
  const host = os.hostname();
  let reaped = 0;
  // An unreadable folder holds nothing this worker can reap.
  for (const entry of await fs.readdir(workRoot).catch(() => [] as string[])) {
    const match = /^(.+)\.(\d+)\.[0-9a-f]{6}$/.exec(entry);
    if (!match || match[1] !== host || (await isProcessAlive(Number(match[2])))) continue;
    const folder = path.join(workRoot, entry);
    for (const jobDir of await fs.readdir(folder).catch(() => [] as string[])) {
      await killRecordedGroups(path.join(folder, jobDir), log);
    }
    await fs.rm(folder, { recursive: true, force: true });
    reaped += 1;
  }
  return reaped;
}

export async function createWorkerWorkRoot(workRoot: string, log: Logger): Promise<string> {
  await fs.mkdir(workRoot, { recursive: true });
  const reaped = await reapDeadWorkerFolders(workRoot, log);
  if (reaped > 0) log.warn({ reaped }, 'removed work folders of dead workers');
  const own = path.join(workRoot, folderName(process.pid));
  await fs.mkdir(own);
  return own;
}
