// Turns a finished run into the error a client sees, or nothing when it succeeded: a missing
// binary, a cancel, a time limit, a message the tool definition knows to blame on one input,
// or the tool's own last words. In a pipeline the process that failed for a reason of its own
// is the one to blame, not a producer that failed only because the consumer after it had
// stopped reading (a broken pipe: Node's children inherit SIGPIPE ignored, so they see EPIPE,
// or ECONNRESET on the socket pairs Node uses as pipes, and say so before exiting).
import { BioQueueError } from '../src/errors.js';
import { installHint } from '../src/system/install-hints.js';
import type { ErrorRule, InstallPackages } from '../tools/define-tool.js';
import { breachMessage, type Limit } from './job-limits.js';
import type { PipelineRun, ProcessRun } from './run-pipeline.js';

export interface FailureContext {
  /** What the step was doing ("aligning"), for messages about a pipeline. */
  label: string;
  rules: readonly ErrorRule[];
  params: Record<string, unknown>;
  /** Stderr text that means failure even after exit 0. */
  failsOnStderr?: RegExp | undefined;
  installOf(binary: string): InstallPackages | undefined;
  limits: { softTimeoutMs: number; hardTimeoutMs: number };
  /** The memory limit, when each process also has a ceiling (an rlimit) it fails at in its own words. */
  memoryBackstop?: Limit | undefined;
}

export function toolFailure(run: PipelineRun, ctx: FailureContext): BioQueueError | undefined {
  const missing = run.processes.find((p) => p.spawnError);
  if (missing) {
    const binary = missing.argv[0]!;
    return new BioQueueError('tool_missing', `${binary} is not installed on this worker: ${installHint(binary, ctx.installOf(binary))}`, details(missing));
  }
  const culprit = firstFailed(run.processes);
  const shown = culprit ?? run.processes[run.processes.length - 1]!;
  const binary = shown.argv[0]!;
  if (run.end === 'aborted') return new BioQueueError('cancelled', 'cancelled by request', details(shown));
  if (run.end === 'limit' && run.breach) {
    // Output is the last process's doing; memory the one that held the most.
    const blamed = run.processes[run.breach.culprit ?? run.processes.length - 1] ?? shown;
    const code = run.breach.kind === 'memory' ? 'memory_limit' : 'output_too_large';
    return new BioQueueError(code, breachMessage(run.breach, blamed.argv[0]!), details(blamed));
  }
  if (run.end === 'soft-timeout' || run.end === 'hard-timeout') {
    const limit = run.end === 'soft-timeout' ? ctx.limits.softTimeoutMs : ctx.limits.hardTimeoutMs;
    return new BioQueueError('timeout', `${binary} ran longer than the ${limit / 1000} s time limit and was stopped`, details(shown));
  }
  const complaint = culprit ? undefined : exitZeroComplaint(run.processes, ctx.failsOnStderr);
  if (!culprit && !complaint) return undefined;
  const blamed = complaint?.process ?? culprit!;
  const said = complaint?.line ?? (lastLines(blamed.stderrTail, 3) || 'no message');
  if (ctx.memoryBackstop && ALLOCATION_FAILED.test(lastLines(blamed.stderrTail, 5))) {
    return new BioQueueError(
      'memory_limit',
      `memory limit ${ctx.memoryBackstop.name} exceeded: ${blamed.argv[0]} could not allocate memory past its share and stopped (${lastLines(blamed.stderrTail, 1).trim()})`,
      details(blamed),
    );
  }
  for (const rule of ctx.rules) {
    // The tool's own words are the line the rule recognised.
    const line = blamed.stderrTail.split(/\r?\n|\r/).find((l) => rule.when.test(l));
    if (line !== undefined) {
      return new BioQueueError('input_invalid', `${rule.message(ctx.params)} (${blamed.argv[0]}: ${line.trim()})`, { ...details(blamed), field: rule.field });
    }
  }
  const how = complaint ? 'reported an error although it exited 0' : blamed.signal ? `was killed by ${blamed.signal}` : `exited with code ${blamed.exitCode}`;
  return new BioQueueError('tool_failed', `${blamed.argv[0]} ${how}: ${said}`, details(blamed));
}

// What tools say when malloc or new fails (the per-process rlimit behind the memory limit):
// C++'s std::bad_alloc (fastp, DIAMOND), strerror(ENOMEM), mafft's "Allocation error", and the
// usual hand-written ones.
const ALLOCATION_FAILED = /std::bad_alloc|cannot allocate memory|out of memory|memory exhausted|failed to allocate|allocation (error|failed)/i;

const BROKEN_PIPE = /broken pipe|EPIPE|connection reset by peer/i;

function hasFailed(p: ProcessRun): boolean {
  return p.signal !== null || p.exitCode !== 0;
}

// The first process that failed for a reason of its own: earlier ones that only hit a broken
// pipe after a later one failed are skipped.
function firstFailed(processes: readonly ProcessRun[]): ProcessRun | undefined {
  return processes.find((p, i) => {
    if (!hasFailed(p)) return false;
    const brokenPipe = p.signal === 'SIGPIPE' || BROKEN_PIPE.test(lastLines(p.stderrTail, 3));
    return !(brokenPipe && processes.slice(i + 1).some(hasFailed));
  });
}

// Tools that exit 0 on bad input but say so on stderr (seqkit's "[ERRO]", fastp's "ERROR:").
function exitZeroComplaint(processes: readonly ProcessRun[], pattern: RegExp | undefined): { process: ProcessRun; line: string } | undefined {
  if (!pattern) return undefined;
  for (const p of processes) {
    const line = p.stderrTail.split(/\r?\n/).find((l) => pattern.test(l));
    if (line) return { process: p, line: line.trim() };
  }
  return undefined;
}

function details(p: ProcessRun) {
  return { command: [...p.argv], exit_code: p.exitCode, signal: p.signal, stderr_tail: lastLines(p.stderrTail, 10) };
}

function lastLines(text: string, n: number): string {
  return text.split(/\r?\n|\r/).filter((l) => l.trim() !== '').slice(-n).join('\n');
}
