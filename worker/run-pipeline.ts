// Runs one step of a job: a process, or a pipeline whose processes feed each other's stdin
// (bwa mem | samtools sort), from argv arrays, never a shell. Each process is its own process
// group, so a cancel or a time limit reaches everything it started (mafft is a shell script
// whose children a signal to its leader alone would leave running). Limits are execa's own:
// `timeout` (the soft limit, SIGTERM), `forceKillAfterDelay` (the hard limit, SIGKILL) and
// `cancelSignal` (a cancel or a drain); their results say which one fired.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { finished, pipeline as pipeStreams } from 'node:stream/promises';
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../src/logger.js';
import type { Argv } from '../tools/define-tool.js';

export type RunEnd = 'exited' | 'soft-timeout' | 'hard-timeout' | 'aborted';

export interface ProcessRun {
  argv: Argv;
  exitCode: number | null;
  signal: string | null;
  /** The last bytes this process wrote to stderr. */
  stderrTail: string;
  /** The binary could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

export interface PipelineRun {
  processes: ProcessRun[];
  /** Why the run ended: by itself, or stopped by a limit or a cancel. */
  end: RunEnd;
}

export interface RunPipelineOptions {
  pipeline: readonly Argv[];
  cwd: string;
  env: Record<string, string>;
  /** Work-dir-relative file that receives the last process's stdout; discarded otherwise. */
  stdoutFile?: string;
  /** Work-dir-relative file that also receives every process's stderr, as it arrives. */
  stderrFile?: string;
  softTimeoutMs: number;
  hardTimeoutMs: number;
  /** Aborting it ends the run: SIGTERM to every group at once, SIGKILL at the hard limit. */
  signal?: AbortSignal;
  /** Called with every process group id once all processes have started. */
  onSpawn?(pgids: number[]): Promise<void> | void;
  /** Every stderr chunk of every process, as it arrives (progress lines). */
  onStderr?(chunk: string): void;
  log: Logger;
}

const STDERR_TAIL_BYTES = 8 * 1024;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineRun> {
  const { pipeline, log } = options;
  if (pipeline.length === 0 || pipeline.some((argv) => argv.length === 0)) throw new Error('runPipeline: empty argv');
  const last = pipeline.length - 1;
  const children: ResultPromise[] = pipeline.map(([file, ...args], i) =>
    execa(file!, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      detached: true,
      shell: false,
      stdin: i === 0 ? 'ignore' : 'pipe',
      stdout: i < last ? 'pipe' : options.stdoutFile ? { file: path.join(options.cwd, options.stdoutFile) } : 'ignore',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      timeout: options.softTimeoutMs,
      forceKillAfterDelay: Math.max(0, options.hardTimeoutMs - options.softTimeoutMs),
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    }),
  );
  const pgids = children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  const tails = children.map(() => '');
  const stderrLog = options.stderrFile ? createWriteStream(path.join(options.cwd, options.stderrFile)) : undefined;
  children.forEach((child, i) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      tails[i] = (tails[i] + chunk).slice(-STDERR_TAIL_BYTES);
      stderrLog?.write(chunk);
      options.onStderr?.(chunk);
    });
  });
  // A consumer that dies early breaks the pipe: the producer then ends on SIGPIPE, as in a shell.
  const pipes = children.slice(0, last).map((child, i) =>
    pipeStreams(child.stdout!, children[i + 1]!.stdin!).catch((err: unknown) => log.debug({ err, from: pipeline[i]![0] }, 'pipe between processes closed early')),
  );
  // The groups get SIGTERM at once, so a shell script's children stop with it; execa signals
  // each leader and escalates to SIGKILL at the hard limit.
  const onAbort = () => {
    log.info({ pgids, reason: String(options.signal?.reason) }, 'stopping the tool');
    for (const pid of pgids) signalGroup(pid, 'SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (pgids.length > 0) await options.onSpawn?.(pgids);
    const results = await Promise.all(children);
    await Promise.all(pipes);
    const processes = results.map((result, i): ProcessRun => {
      const spawnError = result.exitCode === undefined && result.signal === undefined ? result.originalMessage || result.message : undefined;
      return {
        argv: pipeline[i]!,
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        stderrTail: tails[i]!.trim(),
        ...(spawnError ? { spawnError } : {}),
      };
    });
    let end: RunEnd = 'exited';
    if (results.some((r) => r.timedOut)) end = results.some((r) => r.isForcefullyTerminated) ? 'hard-timeout' : 'soft-timeout';
    else if (results.some((r) => r.isCanceled)) end = 'aborted';
    return { processes, end };
  } finally {
    if (stderrLog) {
      stderrLog.end();
      // A log that could not be written is missing from the outputs, which says so; the run stands.
      await finished(stderrLog).catch((err: unknown) => log.warn({ err, file: options.stderrFile }, 'could not write the stderr log'));
    }
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever a tool left running in its group goes with it.
    for (const pid of pgids) signalGroup(pid, 'SIGKILL');
  }
}
