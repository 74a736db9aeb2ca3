// One process of a step, started with Node's own spawn: the leader of its own process group,
// argv as given (never a shell), and the limits run-pipeline.ts needs: a soft time limit
// (SIGTERM), a hard one (SIGKILL once SIGTERM has been ignored that long) and a cancel (SIGTERM,
// then SIGKILL after the same grace). Its outcome says which of them ended it.
//
// Why not execa, which did this before: a tiny job starts one process, and execa's own work
// around a spawn (its option handling, stdio plumbing and result, each a closure the JIT
// compiles afresh) cost the worker ~1.3 ms of CPU a job more than this (bench/RESULTS.md,
// issue 11): on a 2-core machine, CPU taken from the tool. What runs here is only what a step
// uses: no output is buffered (stdout and stderr are files or pipes to the next process).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface StartProcessOptions {
  cwd: string;
  /** Added to this process's environment. */
  env: Record<string, string>;
  stdio: StdioOptions;
  /** From the start: SIGTERM to the process. */
  softTimeoutMs: number;
  /** After a SIGTERM (the soft limit's or a cancel's), SIGKILL if it is still running this much later. */
  forceKillAfterMs: number;
  /** Aborting it stops the process as the soft limit does. */
  signal?: AbortSignal | undefined;
}

export interface ProcessOutcome {
  /** Undefined when it was ended by a signal, or never started. */
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  /** The soft time limit fired. */
  timedOut: boolean;
  /** The SIGKILL after an ignored SIGTERM was sent. */
  forcefullyTerminated: boolean;
  /** The abort signal fired. */
  canceled: boolean;
  /** Why the binary could not be started ("spawn blastn ENOENT"). */
  spawnError?: string;
}

export interface StartedProcess {
  readonly child: ChildProcess;
  /** Settles once the process has ended and its stdio is closed; never rejects. */
  readonly outcome: Promise<ProcessOutcome>;
}

export function startProcess(file: string, args: readonly string[], options: StartProcessOptions): StartedProcess {
  const child = spawn(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: options.stdio, detached: true, shell: false });
  let timedOut = false;
  let canceled = false;
  let forcefullyTerminated = false;
  let forceKill: NodeJS.Timeout | undefined;
  const running = () => child.exitCode === null && child.signalCode === null;
  const terminate = () => {
    if (!running() || child.pid === undefined) return;
    child.kill('SIGTERM');
    forceKill ??= setTimeout(() => {
      if (!running()) return;
      forcefullyTerminated = true;
      child.kill('SIGKILL');
    }, options.forceKillAfterMs);
  };
  const softLimit = setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.softTimeoutMs);
  const onAbort = () => {
    canceled = true;
    terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const outcome = new Promise<ProcessOutcome>((resolve) => {
    const settle = (ended: Pick<ProcessOutcome, 'exitCode' | 'signal' | 'spawnError'>) => {
      clearTimeout(softLimit);
      clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...ended, timedOut, forcefullyTerminated, canceled });
    };
    // 'close' comes after the exit and the end of its pipes; a binary that could not be started
    // has only 'error' (ENOENT, EACCES). An error of a running process (a failed kill) is not its end.
    child.once('close', (code, signal) => settle({ exitCode: code ?? undefined, signal: signal ?? undefined }));
    child.on('error', (err) => {
      if (child.pid === undefined) settle({ exitCode: undefined, signal: undefined, spawnError: err.message });
    });
  });
  return { child, outcome };
}
