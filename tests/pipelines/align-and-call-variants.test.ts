// align_and_call_variants end to end: one job id for the whole, each step on its own queue,
// the VCF equal (records and header but for command lines) to bwa mem | samtools sort, then
// bcftools mpileup | bcftools call -mv, by hand; status shows the steps, the result every
// step's summary, command, version and files, the BAM marked intermediate.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamRecords, vcfHeaderWithoutCommands, vcfRecords } from '../support/compare-outputs.js';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, type ToolResult } from '../support/tool-jobs.js';

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const reads2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');
const withoutReferenceLine = (header: string) => header.split('\n').filter((l) => !l.startsWith('##reference=')).join('\n');

interface PipelineResult extends ToolResult {
  files: (ToolResult['files'][number] & { intermediate?: boolean })[];
  pipeline_steps: { step: number; tool: string; job_id: string; summary: Record<string, unknown>; command: string[]; tool_version: string; files: string[] }[];
}

let h: Harness;
let hand: ByHand;

beforeAll(async () => {
  h = await startHarness();
  hand = await runByHand(
    { 'inputs/lambda_virus.fa': reference, 'reads_1.fq.gz': reads1, 'reads_2.fq.gz': reads2 },
    [
      'bwa index inputs/lambda_virus.fa',
      'bwa mem -K 10000000 -t 1 inputs/lambda_virus.fa reads_1.fq.gz reads_2.fq.gz | samtools sort -o inputs/aligned.bam -',
      'samtools faidx inputs/lambda_virus.fa',
      'bcftools mpileup -f inputs/lambda_virus.fa inputs/aligned.bam | bcftools call -mv -Oz -o calls.vcf.gz',
    ].join('\n'),
  );
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('align_and_call_variants_async', () => {
  it('runs bwa_mem then bcftools_call as one job, with the calls of the same commands by hand', async () => {
    const submitted = await callOk<{ job_id: string; queue: string; tool: string }>(h.client, 'align_and_call_variants_async', { reference, reads_1: reads1, reads_2: reads2 });
    expect(submitted.job_id).toMatch(/^pipeline-/);
    expect(submitted).toMatchObject({ queue: 'pipeline', tool: 'align_and_call_variants' });

    // Status while it runs names each step on its own queue's job.
    const early = await callOk<{ steps: { step: number; tool: string; job_id: string; status: string }[] }>(h.client, 'get_job_status', { job_id: submitted.job_id });
    expect(early.steps.map((s) => [s.step, s.tool, s.job_id.split('-')[0]])).toEqual([
      [0, 'bwa_mem', 'align'],
      [1, 'bcftools_call', 'variant'],
    ]);

    const done = await waitDone(h.client, submitted.job_id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.progress).toEqual({ percent: 100, message: 'completed' });
    expect((done.steps as { status: string }[]).map((s) => s.status)).toEqual(['completed', 'completed']);

    const result = { ...(await callOk<PipelineResult>(h.client, 'get_job_result', { job_id: submitted.job_id })), job_id: submitted.job_id };
    expect(result.status).toBe('completed');
    expect(result.pipeline_steps.map((s) => s.tool)).toEqual(['bwa_mem', 'bcftools_call']);
    expect(result.pipeline_steps[0]!.job_id).toBe(early.steps[0]!.job_id);
    expect(result.pipeline_steps[0]!.command.slice(0, 2)).toEqual(['bwa', 'mem']);
    expect(result.pipeline_steps[0]!.tool_version).toMatch(/^bwa 0\.7/);
    expect(result.pipeline_steps[1]!.command.slice(0, 2)).toEqual(['bcftools', 'mpileup']);
    expect(result.pipeline_steps[1]!.command.at(-1)).toBe('inputs/aligned.bam');
    expect(result.pipeline_steps[1]!.summary).toMatchObject({ records: 84 });
    expect(result.files.map((f) => [f.name, f.intermediate])).toEqual([
      ['step0.aligned.bam', true],
      ['step0.aligned.bam.bai', true],
      ['step0.flagstat.json', true],
      ['step0.coverage.tsv', true],
      ['calls.vcf.gz', false],
      ['calls.vcf.gz.csi', false],
      ['calls.stats.txt', false],
    ]);

    const ours = outputPath(result, 'calls.vcf.gz');
    const theirs = path.join(hand.dir, 'calls.vcf.gz');
    expect(await vcfRecords(ours)).toBe(await vcfRecords(theirs));
    expect(withoutReferenceLine(await vcfHeaderWithoutCommands(ours))).toBe(withoutReferenceLine(await vcfHeaderWithoutCommands(theirs)));
    expect(await bamRecords(outputPath(result, 'step0.aligned.bam'))).toBe(await bamRecords(path.join(hand.dir, 'inputs', 'aligned.bam')));

    // Each step is a job of its own too, and list_jobs shows only the pipeline.
    const step = await callOk<{ status: string; tool: string }>(h.client, 'get_job_status', { job_id: result.pipeline_steps[1]!.job_id });
    expect(step).toMatchObject({ status: 'completed', tool: 'bcftools_call' });
    const listed = await callOk<{ jobs: { job_id: string }[] }>(h.client, 'list_jobs', {});
    expect(listed.jobs.map((j) => j.job_id)).toEqual([submitted.job_id]);
    await expectNoWorkLeft(h);
  });
});
