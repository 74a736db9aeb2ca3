// qc_and_align end to end: fastp, bwa mem on the trimmed reads, samtools flagstat on the BAM,
// as one job; the alignments and the flagstat report equal the same three commands by hand.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamRecords } from '../support/compare-outputs.js';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, type ToolResult } from '../support/tool-jobs.js';

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const reads2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');

let h: Harness;
let hand: ByHand;

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand(
    { 'lambda_virus.fa': reference, 'reads_1.fq.gz': reads1, 'reads_2.fq.gz': reads2 },
    [
      'fastp -i reads_1.fq.gz -I reads_2.fq.gz -o trimmed_1.fq.gz -O trimmed_2.fq.gz -j fastp.json -h fastp.html -w 1',
      'bwa index lambda_virus.fa',
      'bwa mem -K 10000000 -t 1 lambda_virus.fa trimmed_1.fq.gz trimmed_2.fq.gz | samtools sort -o aligned.bam -',
      'samtools flagstat aligned.bam > flagstat.txt',
    ].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('qc_and_align_async', () => {
  it('trims, aligns the trimmed reads and counts the alignments, as the three commands by hand', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'qc_and_align_async', { reference, reads_1: reads1, reads_2: reads2 });
    const done = await waitDone(h.client, job_id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const result = { ...(await callOk<Omit<ToolResult, 'files'> & { pipeline_steps: { tool: string; command: string[] }[]; files: (ToolResult['files'][number] & { intermediate: boolean })[] }>(h.client, 'get_job_result', { job_id })), job_id };
    expect(result.pipeline_steps.map((s) => s.tool)).toEqual(['fastp', 'bwa_mem', 'samtools_flagstat']);
    // bwa mem was given fastp's trimmed reads.
    expect(result.pipeline_steps[1]!.command.slice(-2)).toEqual(['inputs/trimmed_1.fq.gz', 'inputs/trimmed_2.fq.gz']);
    expect(result.files.filter((f) => !f.intermediate).map((f) => f.name)).toEqual(['flagstat.txt']);
    expect(result.files.filter((f) => f.intermediate).map((f) => f.name)).toContain('step0.trimmed_1.fq.gz');
    expect(await bamRecords(outputPath(result, 'step1.aligned.bam'))).toBe(await bamRecords(path.join(hand.dir, 'aligned.bam')));
    expect(await fs.readFile(outputPath(result, 'flagstat.txt'), 'utf8')).toBe(await fs.readFile(path.join(hand.dir, 'flagstat.txt'), 'utf8'));
    await expectNoWorkLeft(h);
  });
});
