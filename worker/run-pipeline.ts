// Runs one step of a job: a process, or a pipeline whose processes feed each other's stdin
// (bwa mem | samtools sort), from argv arrays, never a shell. Each process is its own process
// group, so a cancel or a time limit reaches everything it started (mafft is a shell script
// whose children a signal to its leader alone would leave running). Each process's own limits
// (the soft time limit's SIGTERM, the hard one's SIGKILL, a cancel or a drain) are
// start-process.ts's; their outcomes say which one fired.
//
// A tool's stderr (and the stdout it writes to a file) is a real file descriptor of a file in
// the work dir, not one of the socket pairs Node gives children: scripts such as mafft reopen
// /dev/stderr, which a socket cannot be, and a file costs no copying through this process.
// The worker follows the stderr files for progress and keeps their ends for error messages.
import { closeSync, openSync, renameSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipeStreams } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../src/logger.js';
import type { Argv } from '../tools/define-tool.js';
import type { LimitBreach } from './job-limits.js';
import { unlinkIfThere } from './in-place-files.js';
import type { GuardWatch, RunGuard } from './resource-guard.js';
import { startProcess, type StartedProcess } from './start-process.js';
import { tailFile } from './tail-file.js';
import type { StageClock } from './stage-clock.js';
import type { ToolWatchdog } from './tool-watchdog.js';

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
  /** Told each process group as it starts and ends, to kill them should this worker die (tool-watchdog.ts). */
  watchdog?: Pick<ToolWatchdog, 'watch' | 'release'> | undefined;
  /** Every stderr chunk of every process, as it arrives (progress lines). */
  onStderr?(chunk: string): void;
  /** Resource limits watched while the processes run (resource-guard.ts); passing one kills every group. */
  guard?: RunGuard;
  log: Logger;
}

const STDERR_TAIL_BYTES = 8 * 1024;
let runsStarted = 0;

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
  // Every cwd is a private folder (a job's work dir, an index build's), whose runs are this
  // process's, one after another: a count of the runs names their files apart. (Random bytes
  // did, at 0.3 ms of CPU a run: OpenSSL reseeds after each fork of this process, issue 11.)
  runsStarted += 1;
  const stderrFiles = pipeline.map((_, i) => path.join(options.cwd, `.stderr-${runsStarted}-${i}`));
  // What is started; results name the tool's own argv.
  const started = options.guard ? await options.guard.prepare(pipeline) : pipeline;
  // Opened here, in place (in-place-files.ts), and handed to the children as they are; our copies
  // are closed once they run.
  const stderrFds: number[] = [];
  let stdoutFd: number | undefined;
  try {
    for (const file of stderrFiles) stderrFds.push(openSync(file, 'a'));
    if (options.stdoutFile) stdoutFd = openSync(path.join(options.cwd, options.stdoutFile), 'w');
  } catch (err) {
    closeAll(stderrFds);
    throw err;
  }
  let children: StartedProcess[];
  let pipes: Promise<void>[];
  options.stages?.mark('tool: before spawn');
  try {
    children = started.map(([file, ...args], i) =>
      startProcess(file!, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: [i === 0 ? 'ignore' : 'pipe', i < last ? 'pipe' : (stdoutFd ?? 'ignore'), stderrFds[i]!],
        softTimeoutMs: options.softTimeoutMs,
        forceKillAfterMs: Math.max(0, options.hardTimeoutMs - options.softTimeoutMs),
        signal: options.signal,
      }),
    );
    // Joined before anything is awaited, so nothing a producer writes at once is lost (bwa's SAM
    // header once was, when the runner let a stdout flow before joining it, and samtools sort
    // failed; tests/worker/run-pipeline.test.ts). A consumer that dies early breaks the pipe: the
    // producer then fails on it, as in a shell.
    pipes = children.slice(0, last).map(({ child }, i) =>
      pipeStreams(child.stdout!, children[i + 1]!.child.stdin!).catch((err: unknown) => log.debug({ err, from: pipeline[i]![0] }, 'pipe between processes closed early')),
    );
    // Named to the watchdog before anything is awaited: a worker killed while the handles close
    // (a chaos run caught one) would otherwise leave groups nobody knows to kill.
    options.watchdog?.watch(spawnedGroups(children));
    options.stages?.mark('tool: spawn');
  } finally {
    closeAll(stdoutFd === undefined ? stderrFds : [...stderrFds, stdoutFd]);
  }
  const pgids = spawnedGroups(children);
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
  // The groups get SIGTERM at once, so a shell script's children stop with it; start-process.ts
  // signals each leader and escalates to SIGKILL after the grace of the hard limit.
  const onAbort = () => {
    log.info({ pgids, reason: String(options.signal?.reason) }, 'stopping the tool');
    for (const pid of pgids) signalGroup(pid, 'SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let watch: GuardWatch | undefined;
  try {
    if (pgids.length > 0) await options.onSpawn?.(pgids);
    watch = await options.guard?.watch(pgids, () => {
      for (const pid of pgids) signalGroup(pid, 'SIGKILL');
    });
    const results = await Promise.all(children.map((c) => c.outcome));
    options.stages?.mark('tool: processes');
    const breach = await watch?.stop();
    await Promise.all(pipes);
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
    // Whatever a tool left running in its group goes with it.
    for (const pid of pgids) signalGroup(pid, 'SIGKILL');
    options.watchdog?.release(pgids);
    await Promise.all(tails.map((t) => t.stop()));
    // Files already moved to stderrFile are gone; the work dir is removed after the job anyway.
    for (const file of stderrFiles) unlinkIfThere(file);
  }
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) closeSync(fd);
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

// Each process is the leader of its own group (detached): its pid is the group's id.
function spawnedGroups(children: readonly StartedProcess[]): number[] {
  return children.flatMap(({ child }) => (child.pid === undefined ? [] : [child.pid]));
}
