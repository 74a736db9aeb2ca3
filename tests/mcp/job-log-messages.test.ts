// MCP logging made real: while a client follows a job with wait_for_job, the tool's stderr lines
// reach it as notifications/message (level info, logger "job:<id>"), as many as logging/setLevel
// lets through; and a job seen completing announces its new files with resources/list_changed.
// The real stack: Redis, an in-process worker, bwa and samtools on the lambda fixtures.
import path from 'node:path';
import { LoggingMessageNotificationSchema, ResourceListChangedNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';

let h: Harness;
const messages: LoggingMessageNotification['params'][] = [];
let listChanged = 0;

beforeAll(async () => {
  h = await startHarness();
  h.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
  h.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void (listChanged += 1));
});

afterAll(async () => h?.close());

const align = () =>
  callOk<{ job_id: string }>(h.client, 'bwa_mem_async', { reference: path.join(FIXTURES, 'lambda_virus.fa'), reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz') });
const linesOf = (jobId: string) => messages.filter((m) => m.logger === `job:${jobId}`);

describe('job stderr as MCP log messages', () => {
  let first: string;

  it('sends the tool\'s stderr lines, at level info, to a client following the job', async () => {
    await h.client.setLoggingLevel('info');
    first = (await align()).job_id;
    expect((await waitDone(h.client, first)).status).toBe('completed');
    const lines = linesOf(first);
    expect(lines.length).toBeGreaterThan(0);
    for (const m of lines) expect(m.level).toBe('info');
    // bwa mem's own progress lines, as it writes them to stderr.
    expect(lines.map((m) => m.data)).toContainEqual(expect.stringMatching(/^\[M::mem_process_seqs\] Processed \d+ reads/));
    // The job's command as the result shows it: the cached reference by its file's name, no server folder.
    expect(lines.map((m) => m.data)).toContainEqual('[main] CMD: bwa mem -K 10000000 -t 1 reference.fa inputs/lambda_reads_1.fq.gz');
  });

  it('announces the completed job\'s files with resources/list_changed, once', async () => {
    expect(listChanged).toBe(1);
    await waitDone(h.client, first);
    expect(listChanged).toBe(1);
  });

  it('goes on where it stopped when the job is followed again: no line twice', async () => {
    const before = linesOf(first).length;
    await waitDone(h.client, first);
    expect(linesOf(first).length).toBe(before);
  });

  it('sends a pipeline\'s lines, of every step, under the pipeline\'s own job id', async () => {
    await h.client.setLoggingLevel('info');
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'qc_and_align_async', {
      reference: path.join(FIXTURES, 'lambda_virus.fa'),
      reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'),
    });
    expect((await waitDone(h.client, job_id)).status).toBe('completed');
    const lines = linesOf(job_id).map((m) => String(m.data));
    // fastp's report, then bwa mem's: the steps in the order they ran.
    const fastp = lines.findIndex((line) => line.startsWith('fastp v'));
    const bwa = lines.findIndex((line) => line.startsWith('[main] CMD: bwa mem '));
    expect(fastp).toBeGreaterThanOrEqual(0);
    expect(bwa).toBeGreaterThan(fastp);
  });

  it('sends nothing below the level the client set, and the lines once it lowers the level', async () => {
    await h.client.setLoggingLevel('warning');
    const second = (await align()).job_id;
    expect((await waitDone(h.client, second)).status).toBe('completed');
    expect(linesOf(second)).toEqual([]);

    await h.client.setLoggingLevel('debug');
    await waitDone(h.client, second);
    // The same run again: the same lines but for its timings.
    const untimed = (jobId: string) => linesOf(jobId).map((m) => String(m.data).replace(/[\d.]+ (CPU |real )?sec/g, 'N sec'));
    expect(untimed(second)).toEqual(untimed(first));
  });
});
