// Split-query searches through the MCP server, on real Redis, BLAST+ and DIAMOND: blastn and
// diamond_blastp with `split` give the same output as the unsplit job and as the command typed by
// hand (tabular: the same bytes; JSON and XML: the same document) and stored once, the result names the parts,
// status shows every part and one percent over all of them, and a part that is cancelled or the
// search cancelled ends the whole, naming the part, with no part left running.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { expectNoWorkLeft, outputPath, runTool, type ToolResult } from '../support/tool-jobs.js';

vi.setConfig({ testTimeout: 240_000 });

const queries = path.join(FIXTURES, 'lambda_queries.fa');
const globins = path.join(FIXTURES, 'globins45.fa');

type Row = { step: number; job_id: string; status: string; percent: number };
type Status = { status: string; progress: { percent: number; message: string }; steps?: Row[]; error: { code: string; message: string } | null };
type Parts = { split: { parts: { part: number; job_id: string; records: number; letters: number }[] } };

let h: Harness;
let hand: ByHand;
let slow: SyntheticWorkload;

const status = (jobId: string) => callOk<Status>(h.client, 'get_job_status', { job_id: jobId });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // Two parts run at once, as on two workers; "auto" makes a part of every 1,000 letters (lambda_queries.fa has 3,006).
  h = await startHarness({ env: { BIO_QUEUE_WORKER_CONCURRENCY: '2', BIO_QUEUE_SPLIT_MIN_PART_LETTERS: '1000', BIO_QUEUE_SPLIT_MAX_PARTS: '4' } });
  slow = await writeSyntheticWorkload(path.join(h.inputsDir, 'slow'), { genomeBases: 100_000, reads: 6_000, readLength: 150 });
  hand = await runByHand(
    { 'inputs/lambda_virus.fa': path.join(FIXTURES, 'lambda_virus.fa'), 'inputs/lambda_queries.fa': queries },
    [
      'makeblastdb -in inputs/lambda_virus.fa -dbtype nucl -out lambda -title lambda -parse_seqids > /dev/null',
      'blastn -task megablast -query inputs/lambda_queries.fa -db lambda -evalue 10 -max_target_seqs 500 -num_threads 1 -outfmt 6 -out hits.tsv',
    ].join('\n'),
  );
  for (const [input, name] of [
    [path.join(FIXTURES, 'lambda_virus.fa'), 'lambda'],
    [slow.genomePath, 'synthetic'],
  ] as const) {
    await runTool(h, 'make_blast_db', { input, name, dbtype: 'nucl' });
  }
  await runTool(h, 'diamond_makedb', { input: globins, name: 'globins45' });
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

const read = (result: ToolResult, name: string) => fs.readFile(outputPath(result, name), 'utf8');

describe('blastn_async with split', () => {
  it('gives tabular output byte-identical to the unsplit job and to blastn by hand, and names its parts', async () => {
    const whole = await runTool(h, 'blastn', { query: queries, database: 'lambda' });
    const split = await runTool(h, 'blastn', { query: queries, database: 'lambda', split: 2 });
    expect(split.files.map((f) => f.name)).toEqual(['hits.tsv']);
    const bytes = await read(split, 'hits.tsv');
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes).toBe(await read(whole, 'hits.tsv'));
    expect(bytes).toBe(String(await hand.file('hits.tsv')));
    // The same summary as the unsplit job, plus the parts: 20 queries in two of about equal letters.
    const { split: parts, ...summary } = split.summary as Record<string, unknown> & Parts;
    expect(summary).toEqual(whole.summary);
    expect(parts.parts.map((p) => p.part)).toEqual([1, 2]);
    expect(parts.parts.reduce((n, p) => n + p.records, 0)).toBe(20);
    expect(split.steps.map((s) => s.label)).toEqual(['part 1 of 2: searching', 'part 2 of 2: searching']);
    expect(split.tool_version).toBe(whole.tool_version);
    // Status: completed, each part completed.
    const s = await status(split.job_id);
    expect(s.status).toBe('completed');
    expect(s.steps?.map((r) => [r.job_id, r.status])).toEqual(parts.parts.map((p) => [p.job_id, 'completed']));
    // Merged, the parts' own files are gone: the search's output is stored once.
    for (const part of parts.parts) expect(await fs.readdir(path.join(h.config.resultsDir, part.job_id)).catch(() => [])).toEqual([]);
    expect(await fs.readdir(path.join(h.config.resultsDir, split.job_id))).toEqual(['hits.tsv']);
    await expectNoWorkLeft(h);
  });

  for (const format of ['json', 'xml'] as const) {
    it(`merges ${format} output into one document equal to the unsplit job's`, async () => {
      const whole = await runTool(h, 'blastn', { query: queries, database: 'lambda', output_format: format });
      const split = await runTool(h, 'blastn', { query: queries, database: 'lambda', output_format: format, split: 3 });
      const name = `hits.${format}`;
      expect(split.files.map((f) => f.name)).toEqual([name]);
      const [a, b] = [await read(split, name), await read(whole, name)];
      if (format === 'json') {
        const doc = JSON.parse(a) as { BlastOutput2: unknown[] };
        expect(doc.BlastOutput2).toHaveLength(20);
        expect(doc).toEqual(JSON.parse(b));
      } else {
        expect(a.match(/<Iteration>/g)).toHaveLength(20);
        expect(a).toBe(b);
      }
    });
  }

  it('with "auto" makes one part per BIO_QUEUE_SPLIT_MIN_PART_LETTERS letters, with the same bytes', async () => {
    const split = await runTool(h, 'blastn', { query: queries, database: 'lambda', split: 'auto' });
    const { split: parts } = split.summary as Parts;
    expect(parts.parts).toHaveLength(3);
    expect(parts.parts.reduce((n, p) => n + p.letters, 0)).toBe(3006);
    expect(await read(split, 'hits.tsv')).toBe(String(await hand.file('hits.tsv')));
  });

  it('refuses a split that is not "auto" or a whole number, naming the field', async () => {
    const result = (await h.client.callTool({ name: 'blastn_async', arguments: { query: queries, database: 'lambda', split: 0 } })) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/split/);
  });
});

describe('diamond_blastp_async with split', () => {
  it('gives hits.tsv byte-identical to the unsplit job', async () => {
    const options = { query: globins, database: 'globins45', sensitivity: 'sensitive' };
    const whole = await runTool(h, 'diamond_blastp', options);
    const split = await runTool(h, 'diamond_blastp', { ...options, split: 2 });
    const bytes = await read(split, 'hits.tsv');
    expect(bytes.split('\n').length).toBeGreaterThan(45);
    expect(bytes).toBe(await read(whole, 'hits.tsv'));
    const { split: parts, ...summary } = split.summary as Record<string, unknown> & Parts;
    expect(summary).toEqual(whole.summary);
    expect(parts.parts).toHaveLength(2);
    // A gzip query (DIAMOND reads gzip itself) is split as its text.
    const gz = path.join(h.inputsDir, 'globins45.fa.gz');
    await fs.writeFile(gz, gzipSync(await fs.readFile(globins)));
    const fromGzip = await runTool(h, 'diamond_blastp', { ...options, query: gz, split: 2 });
    expect(await read(fromGzip, 'hits.tsv')).toBe(bytes);
  });

  it('is listed by list_jobs as one job, without its parts', async () => {
    const split = await runTool(h, 'diamond_blastp', { query: globins, database: 'globins45', split: 3 });
    const { split: parts } = split.summary as Parts;
    const { jobs } = await callOk<{ jobs: { job_id: string }[] }>(h.client, 'list_jobs', { limit: 100 });
    const ids = jobs.map((j) => j.job_id);
    expect(ids).toContain(split.job_id);
    for (const part of parts.parts) expect(ids).not.toContain(part.job_id);
  });
});

describe('a split search that is stopped', () => {
  const slowSearch = () => ({ query: slow.readsPath, database: 'synthetic', task: 'blastn', split: 2 });

  // Until both parts run, with progress over both; returns the last status.
  async function untilPartsRun(jobId: string): Promise<Status> {
    for (;;) {
      const s = await status(jobId);
      if (s.steps?.every((r) => r.status === 'running')) return s;
      expect(['queued', 'running']).toContain(s.status);
      await sleep(100);
    }
  }

  it('shows one percent over all parts while they run', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', slowSearch());
    let s = await untilPartsRun(job_id);
    const seen: Status[] = [];
    while (s.status === 'running' || s.status === 'queued') {
      seen.push(s);
      await sleep(200);
      s = await status(job_id);
    }
    expect(s.status).toBe('completed');
    const running = seen.filter((x) => x.status === 'running' && x.steps!.some((r) => r.percent > 0));
    expect(running.length).toBeGreaterThan(0);
    for (const x of running) {
      expect(x.steps).toHaveLength(2);
      const percents = x.steps!.map((r) => (r.status === 'completed' ? 100 : r.percent));
      // Weighted by letters, so between the parts' own percents (and below 100 until merged).
      expect(x.progress.percent).toBeGreaterThanOrEqual(Math.min(99, ...percents) - 0.1);
      expect(x.progress.percent).toBeLessThanOrEqual(Math.max(...percents) + 0.1);
    }
  });

  it('a part cancelled mid-way ends the whole search naming that part, and the other part stops too', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', slowSearch());
    const running = await untilPartsRun(job_id);
    const second = running.steps![1]!.job_id;
    await callOk(h.client, 'cancel_job', { job_id: second });
    const done = (await waitDone(h.client, job_id)) as unknown as Status;
    expect(done.status).toBe('cancelled');
    expect(done.error?.message).toBe('cancelled in part 2 of 2: cancelled by request');
    // The first part is stopped as well, not left to run to its end.
    for (;;) {
      const first = await status(running.steps![0]!.job_id);
      if (first.status !== 'running') {
        expect(first.status).toBe('cancelled');
        break;
      }
      await sleep(100);
    }
    await expectNoWorkLeft(h);
  });

  it('cancel stops every part', async () => {
    const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', slowSearch());
    const running = await untilPartsRun(job_id);
    const cancelled = await callOk<Status>(h.client, 'cancel_job', { job_id });
    expect(['cancelled', 'running'], JSON.stringify(cancelled)).toContain(cancelled.status);
    const done = (await waitDone(h.client, job_id)) as unknown as Status;
    expect(done.status, JSON.stringify(done.error)).toBe('cancelled');
    for (const row of running.steps!) {
      let part = await status(row.job_id);
      while (part.status === 'running') {
        await sleep(100);
        part = await status(row.job_id);
      }
      expect(part.status, JSON.stringify(part.error)).toBe('cancelled');
      // No blastn of the part left running.
      expect(await processesOfJob(h.config.workRoot, row.job_id)).toEqual([]);
    }
    await expectNoWorkLeft(h);
  });
});
