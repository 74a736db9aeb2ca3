// Pipelines through the REST API of the real `serve` stack: submitted as any job_type (a named
// pipeline and run_pipeline), followed to the end, read back with every step; a bad run_pipeline
// refused with 400 naming the step; an idempotency_key giving back the same pipeline and making
// one flow; and the ETA a running pipeline shows, which a completed step removed by age leaves as it was.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticReadsFastq, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import type { JobResult, JobStatus, Submission } from '../../src/jobs/job-model.js';
import { connectRedis } from '../../src/redis/redis-target.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const reads2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');

type PipelineResult = JobResult & { files: (JobResult['files'][number] & { intermediate?: boolean })[] };

let h: HttpHarness;
let redis: ReturnType<typeof connectRedis>;
let queues: Queue[];

async function submit(body: Record<string, unknown>): Promise<Submission> {
  const answer = await h.api<Submission>(h.keys.alice, 'POST', '/jobs/submit', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body;
}

// Every BullMQ job of a queue, whatever its state: what "one flow" is counted against.
async function jobIds(queue: Queue): Promise<string[]> {
  return (await queue.getJobs(['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed', 'waiting-children'])).map((j) => j.id!);
}

beforeAll(async () => {
  h = await startHttpHarness();
  redis = connectRedis({ kind: 'url', url: h.config.redisUrl! }, 'pipeline-rest-test');
  queues = ['pipeline', 'align', 'variant'].map((name) => new Queue(name, { connection: redis, prefix: h.config.prefix }));
});

afterAll(async () => {
  for (const q of queues ?? []) await q.close();
  redis?.disconnect();
  await h?.close();
});

describe('a pipeline submitted over REST', () => {
  it('align_and_call_variants: one job id on the pipeline queue, followed to the end, with every step in its result', async () => {
    const submission = await submit({ job_type: 'align_and_call_variants', parameters: { reference, reads_1: reads1, reads_2: reads2 }, priority: 6 });
    expect(submission).toEqual({ job_id: expect.stringMatching(/^pipeline-[0-9a-z]{16}$/), status: 'queued', tool: 'align_and_call_variants', queue: 'pipeline', priority: 6 });
    const done = (await waitForJob(h.url, h.keys.alice, submission.job_id)) as JobStatus & { steps: { tool: string; status: string }[] };
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    expect(done.steps.map((s) => [s.tool, s.status])).toEqual([['bwa_mem', 'completed'], ['bcftools_call', 'completed']]);

    const result = (await h.api<PipelineResult>(h.keys.alice, 'GET', `/jobs/${submission.job_id}/result`)).body;
    expect(result.pipeline_steps!.map((s) => s.tool)).toEqual(['bwa_mem', 'bcftools_call']);
    expect(result.files.filter((f) => !f.intermediate).map((f) => f.name)).toContain('calls.vcf.gz');
    expect(result.files.filter((f) => f.intermediate).map((f) => f.name)).toContain('step0.aligned.bam');
    // The link downloads the very file the step stored.
    const vcf = result.files.find((f) => f.name === 'calls.vcf.gz')!;
    const bytes = Buffer.from(await (await fetch(vcf.url)).arrayBuffer());
    expect(bytes.equals(await fs.readFile(path.join(h.config.resultsDir, result.pipeline_steps![1]!.job_id, 'calls.vcf.gz')))).toBe(true);
  });

  it('run_pipeline: a later step takes an earlier one\'s output by step:<n>/<file>, as samtools flagstat by hand on that file', async () => {
    const submission = await submit({
      job_type: 'run_pipeline',
      parameters: { steps: [{ tool: 'bwa_mem', parameters: { reference, reads_1: reads1 } }, { tool: 'samtools_flagstat', parameters: { alignments: 'step:0/aligned.bam' } }] },
    });
    expect((await waitForJob(h.url, h.keys.alice, submission.job_id)).status).toBe('completed');
    const result = (await h.api<PipelineResult>(h.keys.alice, 'GET', `/jobs/${submission.job_id}/result`)).body;
    const [align, flagstat] = result.pipeline_steps!;
    expect(flagstat!.command.slice(0, 2)).toEqual(['samtools', 'flagstat']);
    expect(flagstat!.command.at(-1)).toBe('inputs/aligned.bam');
    const bam = path.join(h.config.resultsDir, align!.job_id, 'aligned.bam');
    const byHand = (await execa('samtools', ['flagstat', bam])).stdout + '\n';
    const file = result.files.find((f) => f.name === 'flagstat.txt')!;
    expect(file.intermediate).toBe(false);
    expect(await (await fetch(file.url)).text()).toBe(byHand);
  });

  it('run_pipeline: a bad list is refused with 400 naming the step, and nothing is queued', async () => {
    const before = await Promise.all(queues.map(jobIds));
    const answer = await h.api<{ code: string; field: string; message: string }>(h.keys.alice, 'POST', '/jobs/submit', {
      job_type: 'run_pipeline',
      parameters: { steps: [{ tool: 'bwa_mem', parameters: { reference, reads_1: reads1 } }, { tool: 'gatk', parameters: {} }] },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'input_invalid', field: 'steps.1.tool', message: 'steps.1.tool: unknown tool "gatk"; the tools are the catalog\'s *_async tools without "_async"' });
    expect(await Promise.all(queues.map(jobIds))).toEqual(before);
  });
});

describe('idempotency_key with a pipeline', () => {
  it('gives back the same pipeline for the same key, and makes one flow', async () => {
    const before = await Promise.all(queues.map(jobIds));
    const body = { job_type: 'align_and_call_variants', parameters: { reference, reads_1: reads1 }, idempotency_key: 'pipeline-once' };
    const first = await submit(body);
    const again = await submit(body);
    expect(again.job_id).toBe(first.job_id);
    const added = (await Promise.all(queues.map(jobIds))).map((ids, i) => ids.filter((id) => !before[i]!.includes(id)));
    // One root, one bwa_mem, one bcftools_call: the second submission queued nothing.
    expect(added.map((ids) => ids.length)).toEqual([1, 1, 1]);
    expect(added[0]).toEqual([first.job_id]);
    const other = await h.api<{ field: string }>(h.keys.alice, 'POST', '/jobs/submit', { ...body, parameters: { reference, reads_1: reads2 } });
    expect(other.status).toBe(400);
    expect(other.body.field).toBe('idempotency_key');
    expect((await waitForJob(h.url, h.keys.alice, first.job_id)).status).toBe('completed');
  });
});

describe('a running pipeline', () => {
  let workload: SyntheticWorkload;
  beforeAll(async () => {
    // Big enough that bwa mem runs for seconds (one 10 Mbp batch, about 5 s here), so the
    // pipeline is seen running in its second step; the test cancels it there. More reads only
    // made fastp, the step before, longer: 300,000 took it 5.6 s against 1.3 s.
    workload = await writeSyntheticReadsFastq(path.join(h.inputsDir, 'synthetic'), { genomeBases: 200_000, reads: 100_000, readLength: 100 });
  }, 120_000);

  it('shows an ETA and an overall percent between its steps\' while a step runs', async () => {
    const { job_id } = await submit({ job_type: 'qc_and_align', parameters: { reference: workload.genomePath, reads_1: workload.readsPath } });
    let s: JobStatus & { steps: { status: string }[] };
    for (;;) {
      s = (await h.api<typeof s>(h.keys.alice, 'GET', `/jobs/${job_id}/status`)).body;
      if (s.steps[1]!.status === 'running' && s.eta_seconds !== null) break;
      expect(s.status === 'queued' || s.status === 'running', JSON.stringify(s)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s.status).toBe('running');
    expect(s.eta_seconds).toBeGreaterThanOrEqual(0);
    // fastp (weight 1 of 4.5) is done: the percent is past its share, short of the end.
    expect(s.progress.percent).toBeGreaterThanOrEqual(22.2);
    expect(s.progress.percent).toBeLessThan(100);
    expect(s.progress.message).toMatch(/^step 1 of 3 \(bwa_mem\): /);

    // A completed step's job removed from its queue, as age-based retention does in a long
    // pipeline: it still counts as completed, the pipeline runs on.
    const fastpJob = (s.steps[0] as { job_id: string }).job_id;
    const qc = new Queue('qc', { connection: redis, prefix: h.config.prefix });
    try {
      expect(await qc.remove(fastpJob)).toBe(1);
    } finally {
      await qc.close();
    }
    const after = (await h.api<typeof s>(h.keys.alice, 'GET', `/jobs/${job_id}/status`)).body;
    expect(after.steps[0], JSON.stringify(after)).toMatchObject({ status: 'completed', percent: 100 });
    expect(after.status).toBe('running');
    expect(after.progress.percent).toBeGreaterThanOrEqual(22.2);

    expect((await h.api<JobStatus>(h.keys.alice, 'DELETE', `/jobs/${job_id}`)).status).toBe(200);
    expect((await waitForJob(h.url, h.keys.alice, job_id)).status).toBe('cancelled');
  }, 180_000);
});
