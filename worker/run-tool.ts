// Runs one tool as its own process group (argv array, never a shell), so a cancel or a time
// limit reaches every process it started — mafft and shell pipelines spawn children that a
// signal to the leader alone would leave running.
import path from 'node:path';
import { execa } from 'execa';
import type { Logger } from '../src/logger.js';

export type RunEnd = 'exited' | 'soft-timeout' | 'hard-timeout' | 'aborted';

export interface ToolRun {
  exitCode: number | null;
  signal: string | null;
  stderrTail: string;
  end: RunEnd;
  /** The binary could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

export interface RunToolOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Work-dir-relative file that receives stdout; stdout is discarded otherwise. */
  stdoutFile?: string;
  softTimeoutMs: number;
  hardTimeoutMs: number;
  /** Aborting it ends the run: SIGTERM to the group, SIGKILL after killGraceMs. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Called with the process group id once the tool has started. */
  onSpawn?(pid: number): Promise<void> | void;
  log: Logger;
}

const STDERR_TAIL_BYTES = 8 * 1024;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

export async function runTool(options: RunToolOptions): Promise<ToolRun> {
  const [file, ...args] = options.argv;
  if (!file) throw new Error('runTool: empty argv');
  const grace = options.killGraceMs ?? 2000;
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    shell: false,
    stdin: 'ignore',
    stdout: options.stdoutFile ? { file: path.join(options.cwd, options.stdoutFile) } : 'ignore',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: true,
  });
  const pid = child.pid;
  if (pid !== undefined) await options.onSpawn?.(pid);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });

  let end: RunEnd = 'exited';
  const timers: NodeJS.Timeout[] = [];
  const stop = (why: RunEnd) => {
    if (end !== 'exited') return;
    end = why;
    options.log.info({ pid, why }, 'stopping the tool');
    signalGroup(pid, 'SIGTERM');
    timers.push(setTimeout(() => signalGroup(pid, 'SIGKILL'), grace).unref());
  };
  timers.push(setTimeout(() => stop('soft-timeout'), options.softTimeoutMs).unref());
  timers.push(
    setTimeout(() => {
      end = end === 'exited' ? 'hard-timeout' : end;
      signalGroup(pid, 'SIGKILL');
    }, options.hardTimeoutMs).unref(),
  );
  const onAbort = () => stop('aborted');
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const result = await child;
    const spawnError = result.exitCode === undefined && result.signal === undefined ? result.originalMessage || result.message : undefined;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stderrTail: tail.trim(),
      end,
      ...(spawnError ? { spawnError } : {}),
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever the tool left running in its group goes with it.
    signalGroup(pid, 'SIGKILL');
  }
}
