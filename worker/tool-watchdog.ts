// A worker killed outright (SIGKILL, the OOM killer) cannot stop its tools: each runs in a
// process group of its own (so a cancel reaches a shell script's children) and would run on,
// orphaned. So every worker starts a tiny watchdog process that holds a pipe from it: the worker
// names each tool group as it starts ("+pgid") and ends ("-pgid"), and when the pipe closes —
// the worker has exited, however it died — the watchdog SIGKILLs the groups still named, logs
// one line and exits. `setpriv --pdeathsig` would reach only the direct child, not the group.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../src/logger.js';

export interface ToolWatchdog {
  /** The watchdog's pid (tests, and the log). */
  readonly pid: number | undefined;
  /** Tool process groups that have started. */
  watch(pgids: readonly number[]): void;
  /** Tool process groups that are gone (the run has ended and its groups were killed). */
  release(pgids: readonly number[]): void;
  /** Ends the watchdog once the worker has stopped its tools itself. */
  close(): Promise<void>;
}

/** The message the watchdog logs when it kills the groups of a dead worker. */
export const WATCHDOG_KILLED = 'worker gone: the watchdog killed its tool process groups';

// The watchdog's whole program, run with `node -e`. It must stand alone (no imports, nothing from
// this module's scope): it is shipped as its source text.
function watchdogProgram(workerPid: number, killedMessage: string): void {
  const groups = new Set<number>();
  let pending = '';
  let done = false;
  const killAll = () => {
    if (done) return;
    done = true;
    const killed: number[] = [];
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
        killed.push(pgid);
      } catch {
        // ESRCH: the group has ended already.
      }
    }
    if (killed.length > 0) {
      const line = { level: 40, time: Date.now(), pid: process.pid, name: 'bio-mcp-queue', watchdog: true, workerPid, pgids: killed, msg: killedMessage };
      process.stderr.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
    } else {
      process.exit(0);
    }
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const pgid = Number(line.slice(1));
      if (!Number.isInteger(pgid) || pgid <= 1) continue;
      if (line.startsWith('+')) groups.add(pgid);
      else if (line.startsWith('-')) groups.delete(pgid);
    }
  });
  process.stdin.on('end', killAll);
  process.stdin.on('close', killAll);
  process.stdin.on('error', killAll);
}

export function startToolWatchdog(log: Logger): ToolWatchdog {
  const source = `(${watchdogProgram.toString()})(${process.pid}, ${JSON.stringify(WATCHDOG_KILLED)})`;
  // Its own session: a Ctrl-C or a signal to the worker's group leaves it to end with the pipe.
  // stdout stays closed (over stdio it is the MCP protocol); its one log line goes to stderr.
  const child: ChildProcess = spawn(process.execPath, ['-e', source], { detached: true, stdio: ['pipe', 'ignore', 'inherit'] });
  child.on('error', (err) => log.error({ err }, 'the tool watchdog could not start: tools of a worker killed outright would run on'));
  child.on('exit', (code, signal) => {
    if (!closing) log.warn({ code, signal }, 'the tool watchdog exited: tools of a worker killed outright would run on');
  });
  // The pipe's other end is ours: a watchdog that died makes writes fail, which the exit above said.
  child.stdin!.on('error', (err) => log.debug({ err }, 'writing to the tool watchdog failed'));
  // Neither keeps the worker alive; the pipe closes with this process however it ends.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let closing = false;
  const send = (sign: '+' | '-', pgids: readonly number[]) => {
    if (closing || pgids.length === 0 || !child.stdin!.writable) return;
    child.stdin!.write(pgids.map((pgid) => `${sign}${pgid}\n`).join(''));
  };
  return {
    pid: child.pid,
    watch: (pgids) => send('+', pgids),
    release: (pgids) => send('-', pgids),
    close() {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      return exited;
    },
  };
}
