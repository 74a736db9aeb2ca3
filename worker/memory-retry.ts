// A tool stopped at the memory limit may fit with fewer threads: samtools sort holds a buffer
// per thread, mafft a matrix per thread, and the aligners a batch per thread. So such a job runs
// its steps once more with half the threads, when the tool takes a thread count at all (its
// commands change with it); the result says so in its notes, and a second failure says what
// was tried. Once only: halving again would trade a clear failure for a long, slow one.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BioQueueError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { RunStep } from '../src/jobs/job-model.js';
import type { OutputSpec, Step } from '../tools/define-tool.js';

export interface MemoryRetryOptions {
  /** The job's commands for a thread count. */
  plan(threads: number): Step[];
  run(steps: readonly Step[]): Promise<RunStep[]>;
  threads: number;
  workDir: string;
  /** Removed before the second run, so nothing of the first is taken for the second's. */
  outputs: readonly OutputSpec[];
  log: Logger;
}

export interface MemoryRetryResult {
  ran: RunStep[];
  /** The steps that ran to the end. */
  steps: Step[];
  /** For the result: what happened on the way, for people. */
  notes: string[];
}

export async function runWithMemoryRetry(options: MemoryRetryOptions): Promise<MemoryRetryResult> {
  const { threads, log } = options;
  const steps = options.plan(threads);
  try {
    return { ran: await options.run(steps), steps, notes: [] };
  } catch (err) {
    if (!(err instanceof BioQueueError && err.code === 'memory_limit')) throw err;
    const fewer = Math.max(1, Math.floor(threads / 2));
    const retry = options.plan(fewer);
    // Same commands with fewer threads: the tool takes no thread count, so it would fail alike.
    if (fewer === threads || JSON.stringify(retry) === JSON.stringify(steps)) throw err;
    const note = `${err.message} (with ${threads} threads); ran again with ${threadCount(fewer)}`;
    log.warn({ threads, fewer }, note);
    await clearFirstRun(options);
    try {
      return { ran: await options.run(retry), steps: retry, notes: [note] };
    } catch (again) {
      if (!(again instanceof BioQueueError && again.code === 'memory_limit')) throw again;
      throw new BioQueueError('memory_limit', `${again.message} (also with ${threadCount(fewer)}, after ${threads} threads had failed the same way)`, again.details, { cause: again });
    }
  }
}

function threadCount(n: number): string {
  return n === 1 ? '1 thread' : `${n} threads`;
}

// The outputs and temporary files of the stopped run (samtools sort's tmp/sort.*.bam would be
// in the next sort's way).
async function clearFirstRun(options: MemoryRetryOptions): Promise<void> {
  const tmp = path.join(options.workDir, 'tmp');
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp);
  for (const output of options.outputs) await fs.rm(path.join(options.workDir, output.name), { force: true });
}
