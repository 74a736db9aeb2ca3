// A worker SIGKILLed in the middle of a pipeline: its running tool is killed by its tool spawner, and
// only the step it was running runs again on the next worker. Each step is a job of its own
// (job-flow.ts), so BullMQ's stalled-job check brings back that one job; the step before it,
// already completed, is not run again, and the pipeline's output equals the commands by hand.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticReadsFastq, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { bamRecords } from '../support/compare-outputs.js';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { expectNoWorkLeft, outputPath, type ToolResult } from '../support/tool-jobs.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

type StepRow = { step: number; tool: string; job_id: string; status: string };
type Status = { status: string; attempts: number; progress: { percent: number; message: string }; steps: StepRow[] };

let h: Harness;
let workload: SyntheticWorkload;
let hand: ByHand;
const workers: { proc: ResultPromise; stderr: () => string }[] = [];

// A real worker process serving the step queues (and, as every worker does, the pipeline queue),
// logging at info so its "job started" lines can be counted.
function startWorker(): { proc: ResultPromise; stderr: () => string } {
  const proc = execa(process.execPath, [MAIN, 'worker', '--queues', 'qc,align'], { env: { ...h.env, BIO_QUEUE_LOG_LEVEL: 'info' }, stdin: 'ignore', reject: false, forceKillAfterDelay: false });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const worker = { proc, stderr: () => stderr };
  workers.push(worker);
  return worker;
}

// How many times the workers' logs say they started this job.
function startsOf(jobId: string): number {
  return workers
    .flatMap((w) => w.stderr().split('\n'))
    .filter((line) => line.includes('"msg":"job started"') && line.includes(`"jobId":"${jobId}"`)).length;
}

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false, env: { BIO_QUEUE_STALLED_SECONDS: '2', BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1' } });
  // Big enough that bwa mem runs for seconds, so the kill lands while it aligns.
  workload = await writeSyntheticReadsFastq(path.join(h.inputsDir, 'synthetic'), { genomeBases: 200_000, reads: 100_000, readLength: 100 });
  hand = await runByHand(
    { 'genome.fa': workload.genomePath, 'reads.fq': workload.readsPath },
    [
      'fastp -i reads.fq -o trimmed_1.fq.gz -j fastp.json -h fastp.html -w 1',
      'bwa index genome.fa',
      'bwa mem -K 10000000 -t 1 genome.fa trimmed_1.fq.gz | samtools sort -o aligned.bam -',
      'samtools flagstat aligned.bam > flagstat.txt',
    ].join('\n'),
  );
}, 300_000);

afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.proc.kill('SIGKILL');
    await w.proc;
  }
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('a worker SIGKILLed during a pipeline step', () => {
  it('reruns only that step on another worker; the step before it ran once, and the output equals the commands by hand', async () => {
    const doomed = startWorker();
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'qc_and_align_async', { reference: workload.genomePath, reads_1: workload.readsPath });
    let s: Status;
    for (;;) {
      s = await callOk<Status>(h.client, 'get_job_status', { job_id });
      if (s.steps[1]!.status === 'running' && s.progress.message.includes('aligning')) break;
      expect(s.status === 'queued' || s.status === 'running', JSON.stringify(s)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [qc, align, flagstat] = s.steps.map((step) => step.job_id) as [string, string, string];
    // Kill the worker only once bwa mem is running, so there is an orphan for its tool spawner to kill.
    for (let waited = 0; !(await processesOfJob(h.config.workRoot, align)).some((p) => p.cmd.startsWith('bwa mem')); waited += 20) {
      if (waited > 60_000) throw new Error('bwa mem never showed up in the aligning step\'s work dir');
      await new Promise((r) => setTimeout(r, 20));
    }
    doomed.proc.kill('SIGKILL');
    await doomed.proc;
    for (let waited = 0; (await processesOfJob(h.config.workRoot, align)).length > 0; waited += 100) {
      if (waited > 30_000) throw new Error('the killed worker\'s bwa mem is still running 30 s after its worker was killed');
      await new Promise((r) => setTimeout(r, 100));
    }

    startWorker();
    const done = await waitDone(h.client, job_id);
    expect(done.status, JSON.stringify(done)).toBe('completed');

    // fastp ran once; bwa mem started again after the kill; flagstat ran once, after it.
    const attempts = async (id: string) => (await callOk<Status>(h.client, 'get_job_status', { job_id: id })).attempts;
    expect(await attempts(qc)).toBe(1);
    expect(await attempts(align)).toBe(2);
    expect(await attempts(flagstat)).toBe(1);
    expect([startsOf(qc), startsOf(align), startsOf(flagstat)]).toEqual([1, 2, 1]);
    expect(doomed.stderr()).toContain(`"jobId":"${align}"`);

    const result = { ...(await callOk<Omit<ToolResult, 'files'> & { pipeline_steps: { tool: string }[]; files: ToolResult['files'] }>(h.client, 'get_job_result', { job_id })), job_id };
    expect(result.pipeline_steps.map((p) => p.tool)).toEqual(['fastp', 'bwa_mem', 'samtools_flagstat']);
    expect(await bamRecords(outputPath(result, 'step1.aligned.bam'))).toBe(await bamRecords(path.join(hand.dir, 'aligned.bam')));
    expect(await fs.readFile(outputPath(result, 'flagstat.txt'), 'utf8')).toBe(await fs.readFile(path.join(hand.dir, 'flagstat.txt'), 'utf8'));
    expect(await processesOfJob(h.config.workRoot, align)).toEqual([]);
    await expectNoWorkLeft(h);
  }, 300_000);
});
