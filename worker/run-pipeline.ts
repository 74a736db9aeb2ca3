// Runs one step of a job: a process, or a pipeline whose processes feed each other's stdin
// (bwa mem | samtools sort), from argv arrays, never a shell, started by a launcher
// (tool-launcher.ts: the worker's tool spawner, or this process). Each process is its own
// process group, so a cancel or a time limit reaches everything it started (mafft is a shell
// script whose children a signal to its leader alone would leave running). Each process's own
// limits (the soft time limit's SIGTERM, the hard one's SIGKILL, a cancel or a drain) are
// process-limits.ts's; their outcomes say which one fired.
//
// A tool's stderr (and the stdout it writes to a file) is a file in the work dir
// (launch-pipeline.ts says why). The worker follows the stderr files for progress and keeps
// their ends for error messages.
import { renameSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../src/logger.js';
import type { Argv } from '../tools/define-tool.js';
import type { LimitBreach } from './job-limits.js';
import { unlinkIfThere } from './in-place-files.js';
import { inProcessLauncher } from './in-process-launcher.js';
import type { GuardWatch, RunGuard } from './resource-guard.js';
import { superviseProcess } from './process-limits.js';
import { tailFile } from './tail-file.js';
import type { StageClock } from './stage-clock.js';
import type { LaunchedRun, ToolLauncher } from './tool-launcher.js';

export type RunEnd = 'exited' | 'soft-timeout' | 'hard-timeout' | 'aborted' | 'limit';

export interface ProcessRun {
  argv: Argv;
  exitCode: number | null;
  signal: string | null;
  /** The last bytes this process wrote to stderr, without ANSI colour codes. */
  stderrTail: string;
  /** The binary could not be started (ENOENT, EACCES). */
  spawnError?: string;
}

export interface PipelineRun {
  processes: ProcessRun[];
  /** Why the run ended: by itself, or stopped by a limit or a cancel. */
  end: RunEnd;
  /** The resource limit the run passed (end is 'limit'). */
  breach?: LimitBreach;
}

export interface RunPipelineOptions {
  pipeline: readonly Argv[];
  cwd: string;
  env: Record<string, string>;
  /** Work-dir-relative file that receives the last process's stdout; discarded otherwise. */
  stdoutFile?: string;
  /** Work-dir-relative file that keeps every process's stderr, one after the other. */
  stderrFile?: string;
  softTimeoutMs: number;
  hardTimeoutMs: number;
  /** Aborting it ends the run: SIGTERM to every group at once, SIGKILL at the hard limit. */
  signal?: AbortSignal;
  /** Called with every process group id once all processes have started. */
  onSpawn?(pgids: number[]): Promise<void> | void;
  /** Told as the run passes its stages: until spawned, spawning, the processes' own run, after (stage-clock.ts). */
  stages?: StageClock | undefined;
  /** What starts the processes: the worker's tool spawner (tool-spawner.ts); this process when absent. */
  launcher?: ToolLauncher | undefined;
  /** Every stderr chunk of every process, as it arrives (progress lines). */
  onStderr?(chunk: string): void;
  /** Resource limits watched while the processes run (resource-guard.ts); passing one kills every group. */
  guard?: RunGuard;
  log: Logger;
}

const STDERR_TAIL_BYTES = 8 * 1024;
let runsStarted = 0;

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineRun> {
  const { pipeline, log } = options;
  if (pipeline.length === 0 || pipeline.some((argv) => argv.length === 0)) throw new Error('runPipeline: empty argv');
  // Every cwd is a private folder (a job's work dir, an index build's), whose runs are this
  // process's, one after another: a count of the runs names their files apart. (Random bytes
  // did, at 0.3 ms of CPU a run: OpenSSL reseeds after each fork of this process, issue 11.)
  runsStarted += 1;
  const stderrFiles = pipeline.map((_, i) => path.join(options.cwd, `.stderr-${runsStarted}-${i}`));
  // What is started; results name the tool's own argv.
  const started = options.guard ? await options.guard.prepare(pipeline) : pipeline;
  options.stages?.mark('tool: before spawn');
  const launcher = options.launcher ?? inProcessLauncher;
  const run: LaunchedRun = await launcher.launch({
    pipeline: started,
    cwd: options.cwd,
    env: options.env,
    stderrPaths: stderrFiles,
    stdoutPath: options.stdoutFile === undefined ? undefined : path.join(options.cwd, options.stdoutFile),
  });
  const outcomes = run.processes.map((launched) =>
    superviseProcess(launched, {
      softTimeoutMs: options.softTimeoutMs,
      forceKillAfterMs: Math.max(0, options.hardTimeoutMs - options.softTimeoutMs),
      signal: options.signal,
    }),
  );
  options.stages?.mark('tool: spawn');
  const pgids = run.processes.flatMap(({ pid }) => (pid === undefined ? [] : [pid]));
  // Each process's last stderr bytes are kept as the tail reads them, for its error message.
  const lastBytes: Buffer[] = stderrFiles.map(() => Buffer.alloc(0));
  const tails = stderrFiles.map((file, i) => {
    const decoder = new StringDecoder('utf8');
    return tailFile(
      file,
      (bytes) => {
        lastBytes[i] = keepLast(lastBytes[i]!, bytes, STDERR_TAIL_BYTES);
        options.onStderr?.(decoder.write(bytes));
      },
      log,
    );
  });
  // The groups get SIGTERM at once, so a shell script's children stop with it; process-limits.ts
  // signals each leader and escalates to SIGKILL after the grace of the hard limit.
  const onAbort = () => {
    log.info({ pgids, reason: String(options.signal?.reason) }, 'stopping the tool');
    run.signalGroups('SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // A cancel that came while the processes were being started.
  if (options.signal?.aborted) onAbort();
  let watch: GuardWatch | undefined;
  try {
    if (pgids.length > 0) await options.onSpawn?.(pgids);
    watch = await options.guard?.watch(pgids, () => run.signalGroups('SIGKILL'));
    const results = await Promise.all(outcomes);
    options.stages?.mark('tool: processes');
    const lost = results.find((r) => r.lost !== undefined);
    if (lost) throw new Error(`${pipeline.map((argv) => argv[0]).join(' | ')}: ${lost.lost}`);
    const breach = await watch?.stop();
    await Promise.all(tails.map((t) => t.stop()));
    const processes: ProcessRun[] = [];
    for (const [i, result] of results.entries()) {
      processes.push({
        argv: pipeline[i]!,
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        // Read again only if the tail's last read failed (it may have missed the end).
        stderrTail: (tails[i]!.lastReadFailed ? await readTail(stderrFiles[i]!) : cleanTail(lastBytes[i]!)).trim(),
        ...(result.spawnError ? { spawnError: result.spawnError } : {}),
      });
    }
    let end: RunEnd = 'exited';
    if (breach) end = 'limit';
    else if (results.some((r) => r.timedOut)) end = results.some((r) => r.forcefullyTerminated) ? 'hard-timeout' : 'soft-timeout';
    else if (results.some((r) => r.canceled)) end = 'aborted';
    if (options.stderrFile) await keepStderr(stderrFiles, path.join(options.cwd, options.stderrFile));
    return { processes, end, ...(breach ? { breach } : {}) };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await watch?.stop().catch((err: unknown) => log.debug({ err }, 'resource limits: the watch did not end cleanly'));
    // Whatever a tool left running in its group goes with it. The launcher kills each group as
    // its process ends, so this reaches only processes still running (the run failed around them).
    run.signalGroups('SIGKILL');
    await Promise.all(tails.map((t) => t.stop()));
    // Files already moved to stderrFile are gone; the work dir is removed after the job anyway.
    for (const file of stderrFiles) unlinkIfThere(file);
  }
}

// The last STDERR_TAIL_BYTES of a file, decoded (a cut multi-byte character at the start is
// dropped), without the colour codes some tools write even into a file (seqkit's "[ERRO]",
// minimap2's warnings): they are noise in every message made of it.
async function readTail(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, STDERR_TAIL_BYTES);
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    return cleanTail(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

function cleanTail(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/^\uFFFD+/, '').replace(/\u001b\[[0-9;]*m/g, '');
}

// The last `max` bytes of what was kept followed by `more`, in a buffer of its own (never a view
// of a large chunk, which would keep all of it alive).
function keepLast(kept: Buffer, more: Buffer, max: number): Buffer {
  if (more.length >= max) return Buffer.from(more.subarray(more.length - max));
  const both = kept.length === 0 ? more : Buffer.concat([kept, more]);
  return both.length > max ? Buffer.from(both.subarray(both.length - max)) : both;
}

// The processes' stderr, in pipeline order, as one log file.
async function keepStderr(files: readonly string[], target: string): Promise<void> {
  if (files.length === 1) return renameSync(files[0]!, target);
  await fs.writeFile(target, '');
  for (const file of files) await fs.appendFile(target, await fs.readFile(file));
}
