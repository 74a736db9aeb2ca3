// A multi-second bwa_mem (bwa mem piped into samtools sort) on synthetic reads, run by a worker
// in its own process: progress moves with bwa's own "Processed N reads" lines against the
// input's read count, and a cancel from this process kills both processes of the pipeline.
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { writeSyntheticReadsFastq, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { expectNoWorkLeft } from '../support/tool-jobs.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
// bwa reads 10 Mbp per batch (-K 10000000) and reports each: 300,000 reads of 100 bp are three
// batches of about two seconds each on this machine.
const READS = 300_000;

let h: Harness;
let worker: ResultPromise;
let workload: SyntheticWorkload;

type Status = { status: string; progress: { percent: number; message: string }; eta_seconds: number | null };
const status = (jobId: string) => callOk<Status>(h.client, 'get_job_status', { job_id: jobId });
const align = () => ({ reference: workload.genomePath, reads_1: workload.readsPath });

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
  workload = await writeSyntheticReadsFastq(path.join(h.inputsDir, 'synthetic'), { genomeBases: 200_000, reads: READS, readLength: 100 });
  worker = execa(process.execPath, [MAIN, 'worker', '--queues', 'align', '--concurrency', '1'], { env: h.env, stdin: 'ignore', reject: false, forceKillAfterDelay: false });
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker;
  await h?.close();
});

describe('a long bwa_mem in a separate worker process', () => {
  it("reports progress from bwa's own lines, batch by batch, against the reads in the input", async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'bwa_mem_async', align());
    const messages = new Set<string>();
    let s: Status;
    do {
      s = await status(job_id);
      if (s.status === 'running') messages.add(s.progress.message);
      await new Promise((r) => setTimeout(r, 100));
    } while (s.status === 'queued' || s.status === 'running');
    expect(s.status).toBe('completed');
    // The first job builds the index, then aligns batch by batch, then indexes and reports.
    expect([...messages]).toEqual(
      expect.arrayContaining([
        'building the bwa index of synthetic_genome.fa',
        `aligning: 100000 of ${READS} reads done (step 1 of 4)`,
        `aligning: 200000 of ${READS} reads done (step 1 of 4)`,
      ]),
    );
  }, 180_000);

  it('kills bwa and samtools sort when the job is cancelled, and leaves nothing behind', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'bwa_mem_async', align());
    for (;;) {
      const s = await status(job_id);
      if (s.progress.message.startsWith('aligning')) break;
      expect(s.status === 'queued' || s.status === 'running', JSON.stringify(s)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
    }
    // "aligning" is reported as the step starts; its two processes follow a moment later, each
    // first as the prlimit that sets its memory ceiling and then execs it.
    const running = async () => (await processesOfJob(h.config.workRoot, job_id)).map((p) => p.cmd.split(' ').slice(0, 2).join(' ')).sort();
    const bothStarted = (names: string[]) => names.length === 2 && names[0] === 'bwa mem' && names[1] === 'samtools sort';
    let before = await running();
    for (let i = 0; i < 250 && !bothStarted(before); i++) {
      await new Promise((r) => setTimeout(r, 20));
      before = await running();
    }
    expect(before).toEqual(['bwa mem', 'samtools sort']);
    const answer = await callOk<{ status: string }>(h.client, 'cancel_job', { job_id });
    expect(answer.status).toBe('cancelled');
    expect((await waitDone(h.client, job_id)).status).toBe('cancelled');
    for (let i = 0; i < 50 && (await processesOfJob(h.config.workRoot, job_id)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await processesOfJob(h.config.workRoot, job_id)).toEqual([]);
    await expectNoWorkLeft(h);
  });
});
