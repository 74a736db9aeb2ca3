// Time outside the tool for a long search (issue 11): the ~13 s and ~20 s blastn workloads of
// ../shared/fixtures/make_blastn_bench.sh (reads20k.fa and reads26k.fa against lepto_lambda,
// -task blastn, 2 threads), each through the queue — one `worker` process, submit → completed as
// wait_for_job sees it — and the same argv by hand, in turn. The worker's debug log gives its
// stage timings (worker/stage-clock.ts), among them the blastn processes' own run, so the time
// outside the tool is the submit → completed wall time minus that.
// Pinned: the server's hits.tsv must have the sha256 of the same command run by hand (and of the
// file the fixture script documents, for reads26k), or the run stops.
//
//   npm run build && node dist/bench/long-blast-overhead.js [--runs 3] [--workload DIR]
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { loadConfig } from '../src/config.js';
import { LOCAL_CALLER } from '../src/jobs/caller.js';
import { createLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-info.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { check, progress, sha256 } from './support/bench-checks.js';
import { BENCH_DATABASE, linkBenchDatabase, READS26K_HITS_SHA256 } from './support/blastn-bench-workload.js';
import { Cleanup } from './support/cleanup.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';

const DATABASE = BENCH_DATABASE;
const WORKLOADS = [
  { query: 'reads20k.fa', about: '~13 s' },
  { query: 'reads26k.fa', about: '~20 s', sha256: READS26K_HITS_SHA256 },
] as const;
const MAIN = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

interface StageLine {
  stages_ms: Record<string, number>;
  queue_wait_ms: number;
}

interface QueueRun {
  wallMs: number;
  processMs: number;
  stages: StageLine;
  argv: string[];
  sha: string;
}

// One blastn_async job, submit → completed as the client sees it; the worker's stage line for it.
async function throughQueue(runtime: Runtime, workload: string, query: string, stageLines: Map<string, StageLine>): Promise<QueueRun> {
  const start = performance.now();
  const { job_id } = await runtime.jobs.submit('blastn', { query: path.join(workload, query), database: DATABASE, task: 'blastn' }, { priority: 5, caller: LOCAL_CALLER });
  let done = await runtime.jobs.wait(job_id, LOCAL_CALLER, 3600);
  while (done.timed_out) done = await runtime.jobs.wait(job_id, LOCAL_CALLER, 3600);
  const wallMs = performance.now() - start;
  check(done.status.status === 'completed', `${job_id}: ${done.status.status} ${JSON.stringify(done.status.error)}`);
  const result = await runtime.jobs.result(job_id, LOCAL_CALLER);
  check(result.summary !== null && typeof result.summary.hit_count === 'number', `${job_id}: no summary with a hit count`);
  const hits = result.files.find((f) => f.name === 'hits.tsv');
  check(hits !== undefined, `${job_id}: no hits.tsv`);
  // The stage line is written as the job ends, just before BullMQ records it.
  for (let i = 0; i < 50 && !stageLines.has(job_id); i++) await new Promise((r) => setTimeout(r, 100));
  const stages = stageLines.get(job_id);
  check(stages !== undefined, `${job_id}: the worker logged no "job stages" line`);
  const processMs = stages.stages_ms['tool: processes'];
  check(typeof processMs === 'number' && processMs > 0, `${job_id}: no "tool: processes" stage in ${JSON.stringify(stages)}`);
  return { wallMs, processMs, stages, argv: result.command ?? [], sha: await sha256(new URL(hits.url).pathname) };
}

// The same argv by hand, in a temp dir where its relative query path leads to the workload's file.
async function byHand(argv: readonly string[], workload: string, query: string): Promise<{ ms: number; sha: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-long-hand-'));
  try {
    const i = argv.indexOf('-query');
    const queryPath = argv[i + 1]!;
    if (!path.isAbsolute(queryPath)) {
      await fs.mkdir(path.dirname(path.join(dir, queryPath)), { recursive: true });
      await fs.symlink(path.join(workload, query), path.join(dir, queryPath));
    }
    const [file, ...args] = argv;
    const start = performance.now();
    await execa(file!, args, { cwd: dir, env: { BLASTDB: workload }, stdin: 'ignore' });
    const ms = performance.now() - start;
    const out = argv[argv.indexOf('-out') + 1]!;
    return { ms, sha: await sha256(path.join(dir, out)) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, workload: { type: 'string', default: path.join(packageRoot(), '.bench-data', 'split-blast') } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number ≥ 1, got ${values.runs}`);
  const workload = path.resolve(values.workload!);
  for (const w of WORKLOADS) {
    if (!existsSync(path.join(workload, w.query))) throw new Error(`${workload}/${w.query} is missing: bash ../shared/fixtures/make_blastn_bench.sh ${workload}`);
  }
  const cleanup = new Cleanup();
  try {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-long-'));
    cleanup.add(`remove ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
    const redis = await startThrowawayRedis(dir);
    cleanup.add('stop redis-server', () => redis.stop(), redis.pid);
    await linkBenchDatabase(workload, path.join(dir, 'databases'));
    const env = { BIO_QUEUE_REDIS_URL: redis.url, BIO_QUEUE_DATA_DIR: dir, BIO_QUEUE_INPUT_ROOTS: workload, BIO_QUEUE_LOG_LEVEL: 'warn', BIO_QUEUE_TOOL_THREADS: '2' };
    const runtime = await startRuntime(loadConfig(env), createLogger('warn'), { embeddedWorker: false });
    cleanup.add('close the runtime', () => runtime.close());
    // The worker at debug, for its stage lines; everything else it logs is dropped here.
    const stageLines = new Map<string, StageLine>();
    const worker = execa(process.execPath, [MAIN, 'worker', '--queues', 'blast', '--concurrency', '1'], { env: { ...process.env, ...env, BIO_QUEUE_LOG_LEVEL: 'debug' }, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false });
    cleanup.add('stop the worker', async () => {
      worker.kill('SIGTERM');
      await worker;
    }, worker.pid);
    let pending = '';
    worker.stderr!.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; jobId?: string; level?: number } & Partial<StageLine>;
        if (entry.msg === 'job stages' && entry.jobId && entry.stages_ms) stageLines.set(entry.jobId, { stages_ms: entry.stages_ms, queue_wait_ms: entry.queue_wait_ms ?? NaN });
        else if ((entry.level ?? 0) >= 40) process.stderr.write(`[worker] ${line}\n`);
      }
    });
    while ((await runtime.jobs.workers()).filter((w) => w.connected_queues.includes('blast')).length < 1) await new Promise((r) => setTimeout(r, 100));

    const report: string[] = [
      `bio-mcp-queue: time outside blastn on long searches — ${new Date().toISOString()}`,
      `command: node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim(),
      `machine: ${os.availableParallelism()} CPUs, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`,
      '',
    ];
    for (const w of WORKLOADS) {
      const queue: QueueRun[] = [];
      const hand: number[] = [];
      for (let run = 0; run < runs; run++) {
        // In turn, the queue first on even runs.
        const q = async () => {
          const r = await throughQueue(runtime, workload, w.query, stageLines);
          queue.push(r);
          progress(`${w.query} run ${run + 1}: queue ${(r.wallMs / 1000).toFixed(2)} s, blastn processes ${(r.processMs / 1000).toFixed(2)} s`);
        };
        const h = async () => {
          if (queue.length === 0) return;
          const r = await byHand(queue[0]!.argv, workload, w.query);
          check(r.sha === queue[0]!.sha, `${w.query}: the server's hits.tsv differs from the same command by hand`);
          hand.push(r.ms);
          progress(`${w.query} run ${run + 1}: by hand ${(r.ms / 1000).toFixed(2)} s`);
        };
        if (run % 2 === 0) {
          await q();
          await h();
        } else {
          await h();
          await q();
        }
      }
      if (hand.length < runs) {
        const r = await byHand(queue[0]!.argv, workload, w.query);
        check(r.sha === queue[0]!.sha, `${w.query}: the server's hits.tsv differs from the same command by hand`);
        hand.push(r.ms);
      }
      for (const r of queue) check(r.sha === queue[0]!.sha, `${w.query}: two runs through the queue gave different hits.tsv`);
      if ('sha256' in w) check(queue[0]!.sha === w.sha256, `${w.query}: hits.tsv sha256 is not the one make_blastn_bench.sh documents`);
      const outside = queue.map((r) => r.wallMs - r.processMs);
      const names = [...new Set(queue.flatMap((r) => Object.keys(r.stages.stages_ms)))];
      const rows: Row[] = [
        { label: 'submit → completed seen (queue)', figures: figures(queue.map((r) => r.wallMs)) },
        { label: 'blastn processes (tool: processes)', figures: figures(queue.map((r) => r.processMs)) },
        { label: 'outside the tool (the difference)', figures: figures(outside) },
        { label: 'same argv by hand', figures: figures(hand) },
        { label: '  queue wait (timestamp → processedOn)', figures: figures(queue.map((r) => r.stages.queue_wait_ms)) },
        ...names.map((name) => ({ label: `  ${name}`, figures: figures(queue.map((r) => r.stages.stages_ms[name] ?? 0)) })),
      ];
      const medianOutside = figures(outside).p50;
      const medianWall = figures(queue.map((r) => r.wallMs)).p50;
      report.push(
        `${w.query} (${w.about}), ${runs} run(s) each, argv: ${queue[0]!.argv.join(' ')}`,
        `hits.tsv sha256 ${queue[0]!.sha} (queue = by hand${'sha256' in w ? ' = documented' : ''})`,
        `outside the tool: ${medianOutside.toFixed(0)} ms median = ${((100 * medianOutside) / medianWall).toFixed(2)} % of the job (target ≤ max(2 %, 150 ms) = ${Math.max(0.02 * medianWall, 150).toFixed(0)} ms)`,
        formatTable(rows),
        '',
      );
    }
    process.stdout.write(report.join('\n'));
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
