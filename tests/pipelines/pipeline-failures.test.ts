// A pipeline that goes wrong: a step that fails fails the whole, naming the step, and the steps
// after it never run; a cancel in the middle kills the running step's processes and skips the
// rest; run_pipeline refuses a bad list before anything is queued, naming the step and field.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticReadsFastq, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { callError, callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { expectNoWorkLeft } from '../support/tool-jobs.js';

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const CONTIG = 'gi|9626243|ref|NC_001416.1|';

type StepRow = { step: number; tool: string; job_id: string; status: string; percent: number };
type Status = { status: string; progress: { percent: number; message: string }; eta_seconds: number | null; steps: StepRow[]; error: { code: string; message: string; field?: string } | null };
const status = (jobId: string) => callOk<Status>(h.client, 'get_job_status', { job_id: jobId });

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('a failing step', () => {
  it('fails the pipeline with that step\'s name and message, and the steps after it never run', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'run_pipeline_async', {
      steps: [
        { tool: 'bwa_mem', parameters: { reference, reads_1: reads1 } },
        { tool: 'bcftools_call', parameters: { reference, alignments: 'step:0/aligned.bam', region: `${CONTIG}:60000-70000` } },
        { tool: 'samtools_flagstat', parameters: { alignments: 'step:0/aligned.bam' } },
      ],
    });
    const done = (await waitDone(h.client, job_id)) as unknown as Status;
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({
      code: 'input_invalid',
      field: 'steps.1.parameters.region',
      message: `step 1 (bcftools_call) failed: region: "${CONTIG}:60000-70000" starts past the end of its contig (samtools: [faidx] Zero length sequence: ${CONTIG}:60000-70000)`,
    });
    // The step after it is skipped: its job never ran a command.
    expect(done.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'cancelled']);
    const last = await callOk<{ status: string; command: string[] | null }>(h.client, 'get_job_result', { job_id: done.steps[2]!.job_id });
    expect(last.status).not.toBe('completed');
    expect(last.command).toBeNull();
    const result = await callOk<{ status: string; files: unknown[]; pipeline_steps: { tool: string }[] }>(h.client, 'get_job_result', { job_id });
    expect(result).toMatchObject({ status: 'failed', files: [] });
    expect(result.pipeline_steps.map((s) => s.tool)).toEqual(['bwa_mem']);
    await expectNoWorkLeft(h);
  });
});

describe('run_pipeline_async checks the whole list before queuing anything', () => {
  const cases: [string, unknown[], string][] = [
    ['an unknown tool', [{ tool: 'bwa_mem', parameters: { reference, reads_1: reads1 } }, { tool: 'gatk', parameters: {} }], 'steps.1.tool: unknown tool "gatk"'],
    ['a bad parameter', [{ tool: 'bwa_mem', parameters: { reference, reads_1: reads1, threads: 4 } }], 'steps.0.parameters.threads: not a parameter of this tool'],
    ['a step that names itself', [{ tool: 'samtools_flagstat', parameters: { alignments: 'step:0/aligned.bam' } }], 'steps.0.parameters.alignments: "step:0/aligned.bam" names step 0, which is not earlier than this step (0)'],
    [
      'a step that names a later one (a cycle cannot be written)',
      [{ tool: 'samtools_flagstat', parameters: { alignments: 'step:1/aligned.bam' } }, { tool: 'bwa_mem', parameters: { reference, reads_1: reads1 } }],
      'steps.0.parameters.alignments: "step:1/aligned.bam" names step 1, which is not earlier than this step (0)',
    ],
    [
      'a file the step does not make',
      [{ tool: 'bwa_mem', parameters: { reference, reads_1: reads1 } }, { tool: 'samtools_flagstat', parameters: { alignments: 'step:0/calls.vcf.gz' } }],
      'steps.1.parameters.alignments: step 0 (bwa_mem) makes no file "calls.vcf.gz"; it makes "aligned.bam", "aligned.bam.bai", "flagstat.json", "coverage.tsv"',
    ],
    ['a malformed reference', [{ tool: 'bwa_mem', parameters: { reference, reads_1: 'step:zero/x' } }], 'steps.0.parameters.reads_1: "step:zero/x" is not a step reference; write step:<n>/<file>, n an earlier step counting from 0'],
    ['a bad input of a step', [{ tool: 'bwa_mem', parameters: { reference: '/nowhere/ref.fa', reads_1: reads1 } }], 'reference:'],
    ['no steps', [], 'must have at least one step'],
  ];
  for (const [what, steps, message] of cases) {
    it(`refuses ${what}`, async () => {
      expect(await callError(h.client, 'run_pipeline_async', { steps })).toContain(message);
    });
  }

  it('queued nothing for any of them', async () => {
    const listed = await callOk<{ jobs: { job_id: string; status: string }[] }>(h.client, 'list_jobs', {});
    expect(listed.jobs.filter((j) => j.status !== 'failed')).toEqual([]);
  });
});

describe('cancel in the middle', () => {
  let workload: SyntheticWorkload;
  beforeAll(async () => {
    // Big enough that bwa mem runs for seconds (one 10 Mbp batch, about 5 s here), so the cancel
    // lands while it aligns (the test waits for bwa and samtools sort, then fails if the step
    // ended first). More reads only made fastp, the step before, longer: 300,000 took it 5.6 s
    // against 1.3 s.
    workload = await writeSyntheticReadsFastq(path.join(h.inputsDir, 'synthetic'), { genomeBases: 200_000, reads: 100_000, readLength: 100 });
  }, 120_000);

  it('kills the running step\'s processes, skips the rest, and the pipeline ends cancelled', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'qc_and_align_async', { reference: workload.genomePath, reads_1: workload.readsPath });
    let s: Status;
    for (;;) {
      s = await status(job_id);
      if (s.steps[1]!.status === 'running' && s.progress.message.includes('aligning')) break;
      expect(s.status === 'queued' || s.status === 'running', JSON.stringify(s)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(s.steps[0]!.status).toBe('completed');
    expect(s.progress.message).toMatch(/^step 1 of 3 \(bwa_mem\): aligning/);
    const bwaJob = s.steps[1]!.job_id;
    // Both tools, once each has left the prlimit that starts it (seen under load: the sort still
    // "/usr/bin/prlimit --data=…" a moment after bwa was running).
    const tools = ['bwa mem', 'samtools sort'];
    let before: string[] = [];
    for (let i = 0; i < 100 && before.join('\n') !== tools.join('\n'); i++) {
      before = (await processesOfJob(h.config.workRoot, bwaJob)).map((p) => p.cmd.split(' ').slice(0, 2).join(' ')).sort();
      if (before.join('\n') !== tools.join('\n')) await new Promise((r) => setTimeout(r, 20));
    }
    expect(before).toEqual(['bwa mem', 'samtools sort']);

    const answer = await callOk<Status>(h.client, 'cancel_job', { job_id });
    expect(answer.status).toBe('cancelled');
    const done = (await waitDone(h.client, job_id)) as unknown as Status;
    expect(done.status).toBe('cancelled');
    expect(done.error?.code).toBe('cancelled');
    expect(done.steps.map((x) => x.status)).toEqual(['completed', 'cancelled', 'cancelled']);
    for (let i = 0; i < 50 && (await processesOfJob(h.config.workRoot, bwaJob)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await processesOfJob(h.config.workRoot, bwaJob)).toEqual([]);
    const flagstat = await callOk<{ status: string; command: string[] | null }>(h.client, 'get_job_result', { job_id: done.steps[2]!.job_id });
    expect(flagstat.status).not.toBe('completed');
    expect(flagstat.command).toBeNull();
    await expectNoWorkLeft(h);
  }, 180_000);
});
