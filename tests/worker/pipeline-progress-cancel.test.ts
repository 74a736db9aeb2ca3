// A multi-second bwa_mem (bwa mem piped into samtools sort) on synthetic reads, run by a worker
// in its own process: progress moves with bwa's own "Processed N reads" lines against the
// input's read count, and a cancel from this process kills both processes of the pipeline.
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { BWA_BATCH_BASES } from '../../tools/bwa-mem.js';
import { writeSyntheticReadsFastq, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { expectNoWorkLeft } from '../support/tool-jobs.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
// bwa reads 10 Mbp per batch (-K, fixed by the tool) and reports each batch. 500,000 reads of
// 50 bp are two full batches of 200,000 and a half batch: the progress test must see two counts
// between 0 and the total while the job runs, and the half batch (about 2 s) keeps the second one
// up for many 100 ms polls. The cancel test's guard still finds bwa and samtools sort running,
// in the first batch (about 4 s). 50 bp reads, not 100 bp: bwa aligns them in ~11 s of CPU here,
// against ~14 s for the 300,000 reads of 100 bp (on a 200 kbp genome) this file used before.
const READS = 500_000;
// A job's progress reaches Redis at most once per 250 ms, the latest report of each interval
// (worker/progress-writes.ts). A 200 kbp genome's bwa index takes 0.075 s: "building the bwa
// index" was written only when staging the reads before it took over 250 ms, as it did for
// 300,000 reads of 100 bp (about 0.3 s) but not always for 500,000 of 50 bp (6 of 10 runs
// failed). A 2 Mbp genome takes about 0.5 s to index, so the message is written and stays up
// past a poll whatever staging takes.
const GENOME_BASES = 2_000_000;
const READ_LENGTH = 50;
const BATCH_READS = Number(BWA_BATCH_BASES) / READ_LENGTH;

let h: Harness;
let worker: ResultPromise;
let workload: SyntheticWorkload;

type Status = { status: string; progress: { percent: number; message: string }; eta_seconds: number | null };
const status = (jobId: string) => callOk<Status>(h.client, 'get_job_status', { job_id: jobId });
const align = () => ({ reference: workload.genomePath, reads_1: workload.readsPath });

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
  workload = await writeSyntheticReadsFastq(path.join(h.inputsDir, 'synthetic'), { genomeBases: GENOME_BASES, reads: READS, readLength: READ_LENGTH });
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
        `aligning: ${BATCH_READS} of ${READS} reads done (step 1 of 4)`,
        `aligning: ${2 * BATCH_READS} of ${READS} reads done (step 1 of 4)`,
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
