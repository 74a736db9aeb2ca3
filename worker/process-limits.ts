// The limits of one launched process (tool-launcher.ts): a soft time limit (SIGTERM), a hard one
// (SIGKILL once SIGTERM has been ignored that long) and a cancel (SIGTERM, then SIGKILL after
// the same grace). Its outcome says which of them ended it.
//
// Why not execa, which started tools before: a tiny job starts one process, and execa's own work
// around a spawn (its option handling, stdio plumbing and result, each a closure the JIT
// compiles afresh) cost the worker ~1.3 ms of CPU a job more than this (bench/RESULTS.md,
// issue 11): on a 2-core machine, CPU taken from the tool. Nothing here buffers output: stdout
// and stderr are files or pipes to the next process.
import type { LaunchedProcess } from './tool-launcher.js';

export interface ProcessLimits {
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
  /** Its launcher was lost while it ran: how it ended is unknown (tool-spawner.ts). */
  lost?: string;
}

/** Watches `launched` under `limits` from now until it ends; never rejects. */
export function superviseProcess(launched: LaunchedProcess, limits: ProcessLimits): Promise<ProcessOutcome> {
  let timedOut = false;
  let canceled = false;
  let forcefullyTerminated = false;
  let running = launched.pid !== undefined;
  let forceKill: NodeJS.Timeout | undefined;
  const terminate = () => {
    if (!running) return;
    launched.kill('SIGTERM');
    forceKill ??= setTimeout(() => {
      if (!running) return;
      forcefullyTerminated = true;
      launched.kill('SIGKILL');
    }, limits.forceKillAfterMs);
  };
  const softLimit = setTimeout(() => {
    timedOut = true;
    terminate();
  }, limits.softTimeoutMs);
  const onAbort = () => {
    canceled = true;
    terminate();
  };
  limits.signal?.addEventListener('abort', onAbort, { once: true });
  if (limits.signal?.aborted) onAbort();
  return launched.ended.then((end) => {
    running = false;
    clearTimeout(softLimit);
    clearTimeout(forceKill);
    limits.signal?.removeEventListener('abort', onAbort);
    return {
      exitCode: end.exitCode ?? undefined,
      signal: (end.signal ?? undefined) as NodeJS.Signals | undefined,
      timedOut,
      forcefullyTerminated,
      canceled,
      ...(end.spawnError === undefined ? {} : { spawnError: end.spawnError }),
      ...(end.lost === undefined ? {} : { lost: end.lost }),
    };
  });
}
