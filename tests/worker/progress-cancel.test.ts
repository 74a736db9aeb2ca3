// A multi-second blastn on a synthetic workload, run by a worker in its own process: progress
// and ETA move, queued jobs show their position in priority order, and a cancel sent from this
// (another) process removes a queued job and kills a running blastn with its whole group.
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { isProcessAlive } from '../../src/system/process-alive.js';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
// BLAST+ writes results a query batch at a time; its own BATCH_SIZE variable makes batches small
// enough that a few-second run reports progress many times. The worker passes it through.
const BATCH_SIZE = '40000';

let h: Harness;
let worker: ResultPromise;
let workload: SyntheticWorkload;

type Status = { job_id: string; status: string; progress: { percent: number; message: string }; eta_seconds: number | null; queue_position: number | null; error: { code: string } | null };

async function status(jobId: string): Promise<Status> {
  return callOk<Status>(h.client, 'get_job_status', { job_id: jobId });
}

async function until(jobId: string, ok: (s: Status) => boolean): Promise<Status> {
  for (;;) {
    const s = await status(jobId);
    if (ok(s)) return s;
    if (['completed', 'failed', 'cancelled'].includes(s.status)) throw new Error(`job ended ${s.status} first: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const longSearch = () => ({ query: workload.readsPath, database: 'synthetic', task: 'blastn' });

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'synthetic'), { genomeBases: 2_000_000, reads: 6000, readLength: 250 });
  worker = execa(process.execPath, [MAIN, 'worker', '--queues', 'blast', '--concurrency', '1'], {
    env: { ...h.env, BATCH_SIZE },
    stdin: 'ignore',
    reject: false,
  });
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
  expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker;
  await h?.close();
});

describe('a long blastn in a separate worker process', () => {
  it('reports progress that moves and an ETA while it runs', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', longSearch());
    const percents = new Set<number>();
    const etas: number[] = [];
    let s: Status;
    do {
      s = await status(job_id);
      if (s.status === 'running') {
        percents.add(s.progress.percent);
        if (s.eta_seconds !== null) etas.push(s.eta_seconds);
        if (s.progress.percent > 0 && s.progress.percent < 99) expect(s.progress.message).toMatch(/^\d+ of 6000 query sequences done$/);
      }
      await new Promise((r) => setTimeout(r, 150));
    } while (!['completed', 'failed', 'cancelled'].includes(s.status));
    expect(s.status).toBe('completed');
    const between = [...percents].filter((p) => p > 0 && p < 99);
    expect(between.length, `percents seen: ${[...percents].join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(new Set(etas).size).toBeGreaterThanOrEqual(2);
  });

  it('shows queue positions in priority order and removes a cancelled queued job', async () => {
    const running = await callOk<{ job_id: string }>(h.client, 'blastn_async', longSearch());
    await until(running.job_id, (s) => s.status === 'running');
    const low = await callOk<{ job_id: string }>(h.client, 'blastn_async', { ...longSearch(), priority: 2 });
    const high = await callOk<{ job_id: string }>(h.client, 'blastn_async', { ...longSearch(), priority: 9 });
    expect((await status(high.job_id)).queue_position).toBe(1);
    expect((await status(low.job_id)).queue_position).toBe(2);
    expect((await status(low.job_id)).progress.message).toBe('queued, position 2');

    const cancelled = await callOk<Status>(h.client, 'cancel_job', { job_id: high.job_id });
    expect(cancelled.status).toBe('cancelled');
    expect((await status(high.job_id)).status).toBe('cancelled');
    expect((await status(low.job_id)).queue_position).toBe(1);
    const { queues } = await callOk<{ queues: { queue: string; counts: { queued: number; running: number }; workers: number }[] }>(h.client, 'queue_stats');
    expect(queues.map((q) => q.queue)).toEqual([...JOB_QUEUE_NAMES]);
    expect(queues.find((q) => q.queue === 'blast')).toEqual(expect.objectContaining({ counts: expect.objectContaining({ queued: 1, running: 1 }), workers: 1 }));
    for (const other of queues.filter((q) => q.queue !== 'blast')) expect(other.counts).toEqual({ queued: 0, running: 0, completed: 0, failed: 0, delayed: 0 });

    for (const id of [low.job_id, running.job_id]) expect((await callOk<Status>(h.client, 'cancel_job', { job_id: id })).status).toBe('cancelled');
  });

  it('kills a running blastn and everything in its process group when cancelled from another process', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', longSearch());
    await until(job_id, (s) => s.status === 'running' && s.progress.percent > 0);
    const before = await processesOfJob(h.config.workRoot, job_id);
    expect(before.map((p) => p.cmd)).toEqual([expect.stringMatching(/^blastn -task blastn -query inputs\/synthetic_reads\.fa/)]);

    const answer = await callOk<Status>(h.client, 'cancel_job', { job_id });
    expect(answer.status).toBe('cancelled');
    expect(answer.error).toEqual(expect.objectContaining({ code: 'cancelled', message: 'cancelled by request' }));
    expect(await processesOfJob(h.config.workRoot, job_id)).toEqual([]);
    for (const { pid } of before) expect(await isProcessAlive(pid)).toBe(false);
    const result = await callOk<{ status: string; files: unknown[] }>(h.client, 'get_job_result', { job_id });
    expect(result).toMatchObject({ status: 'cancelled', files: [] });

    // The worker survives and takes the next job.
    const next = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(REPO, 'fixtures', 'lambda_queries.fa'), database: 'synthetic' });
    expect((await waitDone(h.client, next.job_id)).status).toBe('completed');
  });
});
