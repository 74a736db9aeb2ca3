// How the processes of a step are started and how they are signalled, in one place for both of
// their launchers: the tool spawner process (tool-spawner.ts), which runs these functions from
// their source text, and the in-process launcher (in-process-launcher.ts). So each function
// here stands alone: no imports at run time, nothing from this module's scope, and what it needs
// of Node comes in through `require`.
//
// Each process is the leader of its own process group (detached), its argv as given (never a
// shell). A tool's stderr, and the stdout the last process writes to a file, are real file
// descriptors of files in the work dir, not the socket pairs Node gives children: scripts such as
// mafft reopen /dev/stderr, which a socket cannot be, and a file costs no copying. Between the
// processes of a pipeline (bwa mem | samtools sort) the launching process pipes one's stdout into
// the next one's stdin.
import type { ChildProcess, StdioOptions } from 'node:child_process';

export interface LaunchSpec {
  /** The argv of each process; each after the first reads the one before's stdout. */
  pipeline: readonly (readonly string[])[];
  /** An absolute folder. */
  cwd: string;
  /** Added to the launching process's environment. */
  env: Record<string, string>;
  /** One absolute path per process: its stderr, appended to. */
  stderrPaths: readonly string[];
  /** The last process's stdout, truncated first; discarded when absent. */
  stdoutPath?: string | undefined;
}

export interface ProcessEnd {
  /** Null when a signal ended it, or it never started. */
  exitCode: number | null;
  signal: string | null;
  /** Why the binary could not be started ("spawn blastn ENOENT"). */
  spawnError?: string;
}

export interface LaunchedChildren {
  children: ChildProcess[];
  /** Each process's pid, which is its group's id; null for one that could not be started. */
  pids: (number | null)[];
  /** The groups of the processes whose end has not been heard yet (the others are gone with their ends). */
  openGroups(): number[];
}

/**
 * Starts every process of `spec` and joins their pipes before returning, so nothing a producer
 * writes at once is lost (bwa's SAM header once was, when a stdout was let flow before it was
 * joined). `onEnd` hears each process's end once, after its stdio has closed, and after
 * whatever it left running in its group has been killed: at once, while the group's id is still
 * its own (once the group is empty the id may become another process's). Throws, with nothing
 * left running, if a file cannot be opened or Node refuses the argv.
 */
export function launchPipeline(require: NodeJS.Require, spec: LaunchSpec, onEnd: (index: number, end: ProcessEnd) => void): LaunchedChildren {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const { openSync, closeSync } = require('node:fs') as typeof import('node:fs');
  const { pipeline } = require('node:stream') as typeof import('node:stream');
  const children: ChildProcess[] = [];
  const fds: number[] = [];
  const killGroup = (child: ChildProcess) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group has ended already.
    }
  };
  try {
    for (const file of spec.stderrPaths) fds.push(openSync(file, 'a'));
    const stdout = spec.stdoutPath === undefined ? 'ignore' : openSync(spec.stdoutPath, 'w');
    if (typeof stdout === 'number') fds.push(stdout);
    const env = { ...process.env, ...spec.env };
    const last = spec.pipeline.length - 1;
    spec.pipeline.forEach(([file, ...args], i) => {
      const stdio: StdioOptions = [i === 0 ? 'ignore' : 'pipe', i < last ? 'pipe' : stdout, fds[i]!];
      children.push(spawn(file!, args, { cwd: spec.cwd, env, stdio, detached: true, shell: false }));
    });
  } catch (err) {
    children.forEach(killGroup);
    throw err;
  } finally {
    // The children hold their own copies.
    for (const fd of fds) closeSync(fd);
  }
  // A consumer that dies early breaks its pipe, and the producer then fails on it, as in a shell;
  // their own ends say what happened, so the pipe's error is not news.
  children.forEach((child, i) => {
    const next = children[i + 1];
    if (next && child.stdout && next.stdin) pipeline(child.stdout, next.stdin, () => undefined);
  });
  const ended = children.map(() => false);
  children.forEach((child, i) => {
    const end = (result: ProcessEnd) => {
      if (ended[i]) return;
      ended[i] = true;
      killGroup(child);
      onEnd(i, result);
    };
    // 'close' comes after the exit and the end of its stdio; a binary that could not be started
    // has 'error' first (ENOENT, EACCES). An error of a running process (a failed kill) is not its end.
    child.once('close', (code, signal) => end({ exitCode: code, signal }));
    child.on('error', (err) => {
      if (child.pid === undefined) end({ exitCode: null, signal: null, spawnError: err.message });
    });
  });
  return {
    children,
    pids: children.map((child) => child.pid ?? null),
    openGroups: () => children.flatMap((child, i) => (ended[i] || child.pid === undefined ? [] : [child.pid])),
  };
}

/** A signal to one process of a run, only while it has not ended (its pid is not yet free). */
export function signalLeader(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

/**
 * A signal to each of these process groups (a run's open ones): a shell script's children get it
 * too. Returns the groups it reached.
 */
export function signalGroups(pids: readonly (number | null)[], signal: NodeJS.Signals): number[] {
  const reached: number[] = [];
  for (const pid of pids) {
    if (pid === null) continue;
    try {
      process.kill(-pid, signal);
      reached.push(pid);
    } catch {
      // ESRCH: the group is already gone, which is what was wanted.
    }
  }
  return reached;
}
