// Split-query BLAST through the queue (issue 9): the blastn workload of
// ../shared/fixtures/make_blastn_bench.sh (reads26k.fa against lepto_lambda, -task blastn,
// tabular), side by side in one run:
//   (a) `blastn -num_threads 2` by hand;
//   (b) the query cut as split 2 cuts it, the two parts searched by hand at once with 1 thread
//       each and their outputs concatenated: what a split could gain on this machine with no
//       queue at all, so (q2) ÷ (b) is what the queue costs;
//   (q1) one blastn_async job on one worker process with 2 tool threads;
//   (q2) blastn_async with split 2 on two worker processes of 1 tool thread each.
// With --scale: blastn_async on 1 to 4 worker processes of 1 tool thread, split into as many parts
// as workers (1: unsplit), with the time outside the slowest part (splitting, queueing, merging)
// apart: what a lab gets from more machines. On this 2-core machine past 2 workers they share cores.
// Each queue case has its own redis-server and data dir; worker processes are real `worker`
// commands (dist/src/cli/main.js). Wall time is submit → completed as wait_for_job sees it.
// Pinned: every output must have the sha256 of the unsplit hits (206,426 lines), or the run stops.
//
//   npm run build && node dist/bench/split-blast-queue.js [--runs 1] [--workload DIR] [--scale]
//
// The workload is the one bench/split-blast.ts builds into .bench-data/split-blast/.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import { loadConfig } from '../src/config.js';
import { LOCAL_CALLER } from '../src/jobs/caller.js';
import { createLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-info.js';
import { startRuntime } from '../src/runtime.js';
import { BENCH_DATABASE, linkBenchDatabase, READS26K_HITS_SHA256 } from './support/blastn-bench-workload.js';
import { Cleanup } from './support/cleanup.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';
import { check, progress, sha256 } from './support/bench-checks.js';
import { SPLIT_DEFAULTS, splitQuery } from '../worker/split-query.js';
import { findTool } from '../tools/index.js';

const QUERY = 'reads26k.fa';
const DATABASE = BENCH_DATABASE;
const EXPECTED_SHA256 = READS26K_HITS_SHA256;
const MAIN = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

// One queue case: its own Redis and data dir (the database linked in), `workers` worker
// processes of `threads` tool threads each, one blastn_async job; returns submit → completed.
async function throughQueue(workload: string, cleanup: Cleanup, workers: number, threads: number, split: number | undefined): Promise<{ ms: number; parts: number; slowestPartMs: number }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-splitq-'));
  cleanup.add(`remove ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
  const redis = await startThrowawayRedis(dir);
  cleanup.add('stop redis-server', () => redis.stop(), redis.pid);
  await linkBenchDatabase(workload, path.join(dir, 'databases'));
  const env = {
    BIO_QUEUE_REDIS_URL: redis.url,
    BIO_QUEUE_DATA_DIR: dir,
    BIO_QUEUE_INPUT_ROOTS: workload,
    BIO_QUEUE_LOG_LEVEL: 'warn',
    BIO_QUEUE_TOOL_THREADS: String(threads),
  };
  const config = loadConfig(env);
  const runtime = await startRuntime(config, createLogger('warn'), { embeddedWorker: false });
  cleanup.add('close the runtime', () => runtime.close());
  const children: ResultPromise[] = [];
  for (let i = 0; i < workers; i++) {
    const child = execa(process.execPath, [MAIN, 'worker', '--queues', 'blast', '--concurrency', '1'], { env: { ...process.env, ...env }, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit', reject: false });
    children.push(child);
    cleanup.add('stop a worker', async () => {
      child.kill('SIGTERM');
      await child;
    }, child.pid);
  }
  // Every worker connected before the clock starts: each serves blast and pipeline.
  while ((await runtime.jobs.workers()).filter((w) => w.connected_queues.includes('blast')).length < workers) await new Promise((r) => setTimeout(r, 100));
  const start = performance.now();
  const { job_id } = await runtime.jobs.submit('blastn', { query: path.join(workload, QUERY), database: DATABASE, task: 'blastn', ...(split ? { split } : {}) }, { priority: 5, caller: LOCAL_CALLER });
  let done = await runtime.jobs.wait(job_id, LOCAL_CALLER, 3600);
  while (done.timed_out) done = await runtime.jobs.wait(job_id, LOCAL_CALLER, 3600);
  const ms = performance.now() - start;
  check(done.status.status === 'completed', `${job_id}: ${done.status.status} ${JSON.stringify(done.status.error)}`);
  const result = await runtime.jobs.result(job_id, LOCAL_CALLER);
  const hits = result.files.find((f) => f.name === 'hits.tsv');
  check(hits !== undefined, 'no hits.tsv');
  check((await sha256(new URL(hits.url).pathname)) === EXPECTED_SHA256, `${job_id}: hits.tsv sha256 is not the unsplit one`);
  const partList = (result.summary?.split as { parts?: { runtime_seconds?: number }[] } | undefined)?.parts ?? [];
  // Unsplit, the one job's own tool run is the "part".
  const slowestPartMs = partList.length > 0 ? Math.max(...partList.map((p) => (p.runtime_seconds ?? 0) * 1000)) : (result.runtime_seconds ?? 0) * 1000;
  await cleanup.run();
  return { ms, parts: partList.length, slowestPartMs };
}

// (b): the parts split 2 makes (the same cut: blastn's own per-query cost), searched by hand at
// once, outputs concatenated in order into what the unsplit search writes.
async function partsByHand(workload: string): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-splitq-hand-'));
  try {
    const recordCost = findTool('blastn')!.split!.recordCost?.({ task: 'blastn' }) ?? 0;
    const parts = await splitQuery(path.join(workload, QUERY), dir, { parts: 2, limits: SPLIT_DEFAULTS, recordCost });
    const start = performance.now();
    await Promise.all(
      parts.map((part) => execa('blastn', ['-task', 'blastn', '-query', part.path, '-db', DATABASE, '-outfmt', '6', '-num_threads', '1', '-out', `${part.path}.tsv`], { cwd: workload })),
    );
    const out = path.join(dir, 'hits.tsv');
    await fs.writeFile(out, Buffer.concat(await Promise.all(parts.map((part) => fs.readFile(`${part.path}.tsv`)))));
    const ms = performance.now() - start;
    check((await sha256(out)) === EXPECTED_SHA256, 'parts by hand: sha256 is not the expected one');
    return ms;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, workload: { type: 'string' }, scale: { type: 'boolean' } } });
  const runs = Number(values.runs ?? 1);
  check(Number.isInteger(runs) && runs >= 1, '--runs: a whole number from 1');
  const workload = path.resolve(values.workload ?? path.join(packageRoot(), '.bench-data', 'split-blast'));
  check(existsSync(path.join(workload, QUERY)) && existsSync(path.join(workload, `${DATABASE}.nin`)), `${workload}: no workload; build it with npm run bench:split (or make_blastn_bench.sh)`);
  if (values.scale) return scaling(workload);
  const loadBefore = os.loadavg()[0]!;
  const rows: Record<string, number[]> = { a: [], b: [], q1: [], q2: [] };
  let parts = 0;
  for (let run = 1; run <= runs; run++) {
    progress(`run ${run}/${runs}: blastn -num_threads 2 by hand…`);
    const out = path.join(os.tmpdir(), `bioq-bench-splitq-${process.pid}.tsv`);
    const start = performance.now();
    await execa('blastn', ['-task', 'blastn', '-query', QUERY, '-db', DATABASE, '-outfmt', '6', '-num_threads', '2', '-out', out], { cwd: workload });
    rows.a!.push(performance.now() - start);
    check((await sha256(out)) === EXPECTED_SHA256, 'by hand: sha256 is not the expected one');
    await fs.rm(out, { force: true });
    progress(`run ${run}/${runs}: the two parts by hand at once…`);
    rows.b!.push(await partsByHand(workload));
    progress(`run ${run}/${runs}: one job, one worker with 2 threads…`);
    rows.q1!.push((await throughQueue(workload, new Cleanup(), 1, 2, undefined)).ms);
    progress(`run ${run}/${runs}: split 2, two workers with 1 thread each…`);
    const q2 = await throughQueue(workload, new Cleanup(), 2, 1, 2);
    rows.q2!.push(q2.ms);
    parts = q2.parts;
  }
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const a = median(rows.a!);
  const line = (label: string, key: string) => `| ${label} | ${s(median(rows[key]!))} | ${(a / median(rows[key]!)).toFixed(2)}× | sha256 as expected |`;
  process.stdout.write(
    [
      `${QUERY} against ${DATABASE}, blastn -task blastn, tabular; ${os.cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after; median of ${runs} run(s)`,
      '',
      '| case | wall s | (a) ÷ case | output |',
      '|---|---:|---:|---|',
      line('(a) blastn -num_threads 2 by hand', 'a'),
      line('(b) split 2\'s two parts by hand at once, 1 thread each', 'b'),
      line('(q1) blastn_async, one worker, 2 tool threads', 'q1'),
      line(`(q2) blastn_async split 2 (${parts} parts), two workers of 1 tool thread`, 'q2'),
      '',
      `what the queue adds to a split (q2 − b): ${s(median(rows.q2!) - median(rows.b!))} s; to one job (q1 − a): ${s(median(rows.q1!) - a)} s`,
      '',
      `each run (a / b / q1 / q2): ${rows.a!.map((_, r) => [rows.a![r]!, rows.b![r]!, rows.q1![r]!, rows.q2![r]!].map(s).join(' / ')).join('; ')}`,
      '',
    ].join('\n'),
  );
}

// 1 to 4 single-thread workers, the query split into as many parts (1: unsplit).
async function scaling(workload: string): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const lines = ['| workers × 1 thread | parts | wall s | speed-up vs 1 | slowest part s | outside the parts s (split, queue, merge) |', '|---:|---:|---:|---:|---:|---:|'];
  let one = 0;
  for (let workers = 1; workers <= 4; workers++) {
    progress(`scaling: ${workers} worker(s)…`);
    const run = await throughQueue(workload, new Cleanup(), workers, 1, workers > 1 ? workers : undefined);
    if (workers === 1) one = run.ms;
    lines.push(`| ${workers} | ${run.parts || 1} | ${s(run.ms)} | ${(one / run.ms).toFixed(2)}× | ${s(run.slowestPartMs)} | ${s(run.ms - run.slowestPartMs)} |`);
  }
  process.stdout.write(
    [`${QUERY} against ${DATABASE}, blastn -task blastn, tabular, every output sha256 as expected; ${os.cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`, '', ...lines, ''].join('\n'),
  );
}

await main();
// Something of the closed runtimes still holds the event loop after the last case (not found yet:
// every process and redis-server is gone by then, checked with ps): end here.
process.exit(process.exitCode ?? 0);
