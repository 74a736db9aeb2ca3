// Progress from a file a step writes as it goes, when that file is BGZF (bgzip, bcftools -Oz):
// the tracker is fed the text, block by block as the file grows, even when a read ends inside a
// block. The file is made by the real bgzip and grown here a piece at a time, as a tool would.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { ProgressTracker, Step } from '../../tools/define-tool.js';
import { startStepProgress, type StepReport } from '../../worker/step-progress.js';

const LINES = 3000;
let dir: string;
let bgzf: Uint8Array;

// Counts whole lines against a known total.
function lineCounter(): ProgressTracker {
  let lines = 0;
  return { feed: (chunk) => void (lines += chunk.split('\n').length - 1), done: () => lines, total: () => LINES };
}

function start(file: string, reports: StepReport[]) {
  const step: Step = { label: 'writing', pipeline: [['true']], progress: { from: { file, gzip: true }, unit: 'lines', tracker: lineCounter } };
  return startStepProgress({
    step,
    position: { index: 0, count: 1, weightBefore: 0, weightTotal: 1 },
    workDir: dir,
    inputTotal: undefined,
    tracker: step.progress!.tracker(() => []),
    report: async (r) => void reports.push(r),
    log: createLogger('silent'),
    intervalMs: 5,
  });
}

// Where each BGZF block starts: a block's size less one is in its header's extra field, at byte 16.
function blockStarts(bytes: Uint8Array): number[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const starts: number[] = [];
  for (let at = 0; at < view.length; at += view.readUInt16LE(at + 16) + 1) starts.push(at);
  return starts;
}

async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-step-progress-'));
  const text = Array.from({ length: LINES }, (_, i) => `chr1\t${i + 1}\t.\tA\tG\t${(i * 7919) % 1000}\t.\tDP=${i % 97};MQ=60\n`).join('');
  bgzf = (await execa('bgzip', ['-c'], { input: text, encoding: 'buffer' })).stdout;
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('progress from a gzip file a step writes', () => {
  it('feeds the tracker the text of a BGZF file as it grows, a block cut in two included', async () => {
    // bgzip writes 64 KiB of text a block: these lines make two blocks, then the empty last one.
    const starts = blockStarts(bgzf);
    expect(starts).toHaveLength(3);
    const reports: StepReport[] = [];
    const progress = start('calls.txt.gz', reports);
    // The file so far ends in the middle of the second block.
    const cut = Math.floor((starts[1]! + starts[2]!) / 2);
    await fs.writeFile(path.join(dir, 'calls.txt.gz'), bgzf.subarray(0, cut));
    await until(() => (reports.at(-1)?.done ?? 0) > 0);
    expect(reports.at(-1)!.done).toBeLessThan(LINES);
    await fs.appendFile(path.join(dir, 'calls.txt.gz'), bgzf.subarray(cut));
    await progress.stop();
    expect(reports.at(-1)).toEqual({ percent: 99, message: `${LINES} of ${LINES} lines done`, done: LINES, total: LINES });
    const done = reports.map((r) => r.done!);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });

  it('feeds nothing, and stops cleanly, when the file is not gzip after all', async () => {
    const reports: StepReport[] = [];
    const progress = start('plain.txt', reports);
    await fs.writeFile(path.join(dir, 'plain.txt'), 'chr1\t1\t.\tA\tG\n'.repeat(10));
    await progress.stop();
    expect(reports.map((r) => r.done)).toEqual([0]);
  });
});
