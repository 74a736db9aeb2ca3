// What bwa_mem costs through the queue next to the same commands typed by hand, and what the
// cached reference index saves: each workload is aligned (1) by hand — `bwa index`, then
// `bwa mem | samtools sort`, `samtools index` —, (2) through the stdio MCP server with the
// index still to build (the cache emptied first), and (3) again with the index cached. Hermetic:
// its own redis-server, a temp data dir; everything it started is stopped however the run ends.
//
//   npm run build && node dist/bench/bwa-mem.js [--runs 5] [--reads 300000]
//
// Pinned inputs: the fixture pairs must give 4,008 BAM records by hand and through the server,
// the synthetic reads exactly their read count; a run that aligns anything else stops.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { JobResult, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { Cleanup } from './support/cleanup.js';
import { startServerChild, type ServerChild } from './support/server-child.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { alignmentWorkloads, type AlignmentWorkload as Workload } from './support/alignment-workloads.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';
import { check, progress } from './support/bench-checks.js';

const THREADS = 2;
const FIXTURE_RECORDS = 4008;
async function bamRecords(file: string): Promise<number> {
  return Number((await execa('samtools', ['view', '-c', file])).stdout.trim());
}

// By hand, in a fresh folder: the index, then the alignment as a person would pipe it. Returns
// the two durations in ms.
async function byHand(work: Workload, dir: string): Promise<{ indexMs: number; alignMs: number }> {
  await fs.mkdir(dir, { recursive: true });
  await fs.copyFile(work.reference, path.join(dir, 'ref.fa'));
  let start = performance.now();
  await execa('bwa', ['index', 'ref.fa'], { cwd: dir });
  const indexMs = performance.now() - start;
  const reads = work.reads.map((r) => JSON.stringify(r)).join(' ');
  start = performance.now();
  await execa('bash', ['-euo', 'pipefail', '-c', `bwa mem -K 10000000 -t ${THREADS} ref.fa ${reads} | samtools sort -@ ${THREADS} -o aligned.bam - && samtools index aligned.bam`], {
    cwd: dir,
    stderr: 'ignore',
  });
  const alignMs = performance.now() - start;
  check((await bamRecords(path.join(dir, 'aligned.bam'))) === work.records, `${work.label}: by hand gave another record count`);
  await fs.rm(dir, { recursive: true, force: true });
  return { indexMs, alignMs };
}

// Through the server: submit → wait → result; the BAM checked, the index outcome returned.
async function throughServer(server: ServerChild, work: Workload): Promise<{ ms: number; result: JobResult }> {
  const start = performance.now();
  const args: Record<string, unknown> = { reference: work.reference, reads_1: work.reads[0] };
  if (work.reads[1]) args.reads_2 = work.reads[1];
  const job = await server.call<Submission>('bwa_mem_async', args);
  const status = await server.waitUntilDone(job.job_id);
  check(status.status === 'completed', `${work.label}: job ended ${status.status}: ${JSON.stringify(status.error)}`);
  const result = await server.call<JobResult>('get_job_result', { job_id: job.job_id });
  const ms = performance.now() - start;
  const bam = result.files.find((f) => f.name === 'aligned.bam')!;
  check((await bamRecords(fileURLToPath(bam.url))) === work.records, `${work.label}: the server's BAM has another record count`);
  return { ms, result };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, reads: { type: 'string' } } });
  const runs = Number(values.runs ?? 5);
  const syntheticReads = Number(values.reads ?? 300_000);
  check(Number.isInteger(runs) && runs >= 1, '--runs: a whole number from 1');
  const root = packageRoot();
  const cleanup = new Cleanup();
  try {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-bwa-'));
    cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
    const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
    cleanup.add('redis-server', () => redis.stop(), redis.pid);
    const fixtures = path.join(root, 'fixtures');
    const workloads = await alignmentWorkloads(fixtures, FIXTURE_RECORDS, { dir: path.join(tmp, 'synthetic'), reads: syntheticReads, gzip: false });
    const dataDir = path.join(tmp, 'data');
    const server = await startServerChild({
      label: 'bwa',
      mainJs: path.join(root, 'dist', 'src', 'cli', 'main.js'),
      env: {
        BIO_QUEUE_REDIS_URL: redis.url,
        BIO_QUEUE_DATA_DIR: dataDir,
        BIO_QUEUE_INPUT_ROOTS: [fixtures, tmp].join(path.delimiter),
        BIO_QUEUE_TOOL_THREADS: String(THREADS),
        BIO_QUEUE_LOG_LEVEL: 'warn',
      },
    });
    cleanup.add('server', () => server.close(), server.pid ?? undefined);

    const rows: Row[] = [];
    const notes: string[] = [];
    for (const work of workloads) {
      const hand: number[] = [];
      const handIndex: number[] = [];
      const first: number[] = [];
      const firstBuild: number[] = [];
      const second: number[] = [];
      // One untimed round: module loading, the first `bwa` version probe, file caches.
      await throughServer(server, work);
      for (let i = 0; i < runs; i++) {
        progress(`${work.label}: round ${i + 1} of ${runs}`);
        const h = await byHand(work, path.join(tmp, `hand-${i}`));
        hand.push(h.alignMs);
        handIndex.push(h.indexMs);
        // The cache emptied: this job builds the index.
        await fs.rm(path.join(dataDir, 'databases', 'indexes'), { recursive: true, force: true });
        const built = await throughServer(server, work);
        check(built.result.indexes[0]?.reused === false, 'the first job should have built the index');
        first.push(built.ms);
        firstBuild.push((built.result.indexes[0]?.build_seconds ?? NaN) * 1000);
        const reused = await throughServer(server, work);
        check(reused.result.indexes[0]?.reused === true, 'the second job should have reused the index');
        second.push(reused.ms);
      }
      rows.push({ label: `${work.label}: by hand, bwa index`, figures: figures(handIndex) });
      rows.push({ label: `${work.label}: by hand, bwa mem → sort, index`, figures: figures(hand) });
      rows.push({ label: `${work.label}: bwa_mem_async, index to build`, figures: figures(first) });
      rows.push({ label: `${work.label}:   of which building the index`, figures: figures(firstBuild) });
      rows.push({ label: `${work.label}: bwa_mem_async, index cached`, figures: figures(second) });
      notes.push(`${work.label}: every run gave ${work.records} BAM records, by hand and through the server`);
    }
    await server.close();
    process.stdout.write(`bwa_mem through the stdio MCP server vs by hand, ${runs} runs each, -t ${THREADS}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`);
    process.stdout.write(`${formatTable(rows)}\n\n${notes.join('\n')}\n`);
    process.stdout.write(
      '\nThe server runs more than the hand pipeline: it checks every input (streaming, with sha256), and after the alignment writes\n' +
        'samtools flagstat and samtools coverage for the summary, hashes and stores four files. "submit → result" is what a client waits.\n',
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/bwa-mem: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
