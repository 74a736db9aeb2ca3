// Progress of one step within a run: percent within the step's share of the whole, never 100,
// from stderr or a growing file, in the tracker's own words when it has them.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { ProgressTracker, Step } from '../../tools/define-tool.js';
import { startStepProgress, stepStartReport, type StepReport } from '../../worker/step-progress.js';

const log = createLogger('silent');
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-step-progress-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

// Counts "done N" lines.
function counter(message?: (n: number) => string): ProgressTracker {
  let n = 0;
  return {
    feed: (chunk) => void (n += (chunk.match(/^done \d+$/gm) ?? []).length),
    done: () => n,
    ...(message ? { message: () => message(n) } : {}),
  };
}

describe('step progress', () => {
  it('moves within its step\'s share of the run, from stderr, and stops short of 100', async () => {
    const step: Step = { label: 'aligning', pipeline: [['bwa']], weight: 8, progress: { from: 'stderr', unit: 'reads', tracker: () => counter() } };
    const position = { index: 1, count: 3, weightBefore: 1, weightTotal: 10 };
    expect(stepStartReport(step, position, 'bwa')).toEqual({ percent: 10, message: 'aligning (step 2 of 3)' });
    const reports: StepReport[] = [];
    const progress = startStepProgress({ step, position, workDir: dir, inputTotal: 4, tracker: counter(), report: async (r) => void reports.push(r), log, intervalMs: 10 });
    progress.feedStderr('done 1\ndone 2\n');
    await new Promise((r) => setTimeout(r, 50));
    progress.feedStderr('done 3\ndone 4\n');
    await progress.stop();
    expect(reports).toEqual([
      { percent: 50, message: 'aligning: 2 of 4 reads done (step 2 of 3)', done: 2, total: 4 },
      { percent: 90, message: 'aligning: 4 of 4 reads done (step 2 of 3)', done: 4, total: 4 },
    ]);
  });

  it('reads a growing output file, and says what the tracker says', async () => {
    const file = path.join(dir, 'out.txt');
    await fs.writeFile(file, 'done 1\n');
    const tracker = counter((n) => `STEP ${n} / 2`);
    const step: Step = { label: 'aligning', pipeline: [['mafft']], progress: { from: { file: 'out.txt' }, unit: 'steps', tracker: () => tracker } };
    const reports: StepReport[] = [];
    const progress = startStepProgress({ step, position: { index: 0, count: 1, weightBefore: 0, weightTotal: 1 }, workDir: dir, inputTotal: 2, tracker, report: async (r) => void reports.push(r), log, intervalMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    await fs.appendFile(file, 'done 2\n');
    await progress.stop();
    expect(reports).toEqual([
      { percent: 50, message: 'STEP 1 / 2', done: 1, total: 2 },
      { percent: 99, message: 'STEP 2 / 2', done: 2, total: 2 },
    ]);
  });
});
