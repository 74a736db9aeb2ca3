// What a large input costs the queue: a FASTQ of several GB given by path, counted with
// seqkit_stats by a worker in its own process. The file is used in place (the work dir holds a
// link, no copy) and checked in one streaming pass, so the worker's memory and the work dir's
// disk use stay flat however large the input is. Prints the worker's peak RSS (VmHWM), the work
// dir's largest size while the job ran, and the time spent before and inside the tool.
//
//   npm run build && node dist/bench/large-input.js [--gib 2]
//
// Pinned: seqkit must count exactly the reads written, and the staged input must be a link.
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { JobResult, JobStatus, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { Cleanup } from './support/cleanup.js';
import { startServerChild } from './support/server-child.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';
import { check, progress } from './support/bench-checks.js';

const READ_LENGTH = 150;
// Reads of READ_LENGTH random bases with a constant quality, until `bytes` are written.
async function writeFastq(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  const bases = 'ACGT';
  const quality = 'I'.repeat(READ_LENGTH);
  let written = 0;
  let reads = 0;
  let seed = 7;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      let sequence = '';
      for (let j = 0; j < READ_LENGTH; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        sequence += bases[seed >> 29]!;
      }
      reads += 1;
      lines.push(`@read${reads}\n${sequence}\n+\n${quality}\n`);
    }
    const chunk = lines.join('');
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return reads;
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function duBytes(dir: string): Promise<number> {
  const { stdout } = await execa('du', ['-sb', dir], { reject: false });
  return Number(stdout.split('\t')[0] ?? 0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { gib: { type: 'string' } } });
  const gib = Number(values.gib ?? 2);
  check(gib > 0, '--gib: a size in GiB greater than 0');
  const root = packageRoot();
  const cleanup = new Cleanup();
  try {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-large-'));
    cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
    const inputs = path.join(tmp, 'inputs');
    await fs.mkdir(inputs);
    const fastq = path.join(inputs, 'large.fq');
    progress(`writing ${gib} GiB of FASTQ…`);
    const reads = await writeFastq(fastq, gib * 1024 ** 3);
    const size = (await fs.stat(fastq)).size;
    const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
    cleanup.add('redis-server', () => redis.stop(), redis.pid);
    const env = {
      BIO_QUEUE_REDIS_URL: redis.url,
      BIO_QUEUE_DATA_DIR: path.join(tmp, 'data'),
      BIO_QUEUE_INPUT_ROOTS: inputs,
      BIO_QUEUE_TOOL_THREADS: '2',
      BIO_QUEUE_LOG_LEVEL: 'warn',
    };
    const main = path.join(root, 'dist', 'src', 'cli', 'main.js');
    const server = await startServerChild({ label: 'server', mainJs: main, env: { ...env, BIO_QUEUE_EMBEDDED_WORKER: 'false' } });
    cleanup.add('server', () => server.close(), server.pid ?? undefined);
    const worker = execa(process.execPath, [main, 'worker', '--queues', 'qc'], { env, stdin: 'ignore', reject: false, forceKillAfterDelay: false });
    cleanup.add('worker', async () => {
      worker.kill('SIGTERM');
      await worker;
    }, worker.pid ?? undefined);
    // The worker is up when its queue has a worker.
    for (;;) {
      const { queues } = await server.call<{ queues: { queue: string; workers: number }[] }>('queue_stats', {});
      if (queues.find((q) => q.queue === 'qc')?.workers === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const idleRss = await peakRssMiB(worker.pid!);

    const workRoot = path.join(tmp, 'data', 'work');
    let largestWorkDir = 0;
    let staged: { path: string; isLink: boolean } | undefined;
    const started = performance.now();
    const job = await server.call<Submission>('seqkit_stats_async', { sequences: [fastq] });
    let status: JobStatus;
    do {
      status = await server.call<JobStatus>('get_job_status', { job_id: job.job_id });
      largestWorkDir = Math.max(largestWorkDir, await duBytes(workRoot));
      if (!staged) {
        for (const folder of await fs.readdir(workRoot).catch(() => [] as string[])) {
          for (const jobDir of await fs.readdir(path.join(workRoot, folder)).catch(() => [] as string[])) {
            const link = path.join(workRoot, folder, jobDir, 'inputs', 'large.fq');
            const stat = await fs.lstat(link).catch(() => undefined);
            if (stat) staged = { path: link, isLink: stat.isSymbolicLink() };
          }
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    } while (status.status === 'queued' || status.status === 'running');
    const wall = (performance.now() - started) / 1000;
    check(status.status === 'completed', `job ended ${status.status}: ${JSON.stringify(status.error)}`);
    const result = await server.call<JobResult>('get_job_result', { job_id: job.job_id });
    const row = (result.summary as { stats: { num_seqs: number }[] }).stats[0]!;
    check(row.num_seqs === reads, `seqkit counted ${row.num_seqs} reads, ${reads} were written`);
    check(staged?.isLink === true, 'the input should have been linked into the work dir, not copied');
    const peak = await peakRssMiB(worker.pid!);
    const tool = result.runtime_seconds ?? NaN;
    process.stdout.write(
      [
        `seqkit_stats_async on a ${(size / 1024 ** 3).toFixed(2)} GiB FASTQ (${reads.toLocaleString('en-US')} reads of ${READ_LENGTH} bp), given by path; worker in its own process, 2 tool threads`,
        `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
        '',
        `| measure | value |`,
        `|---|---:|`,
        `| worker peak RSS (VmHWM), idle before the job | ${idleRss.toFixed(0)} MiB |`,
        `| worker peak RSS (VmHWM), after the job | ${peak.toFixed(0)} MiB |`,
        `| largest size of the work dirs while it ran (du -sb) | ${(largestWorkDir / 1024).toFixed(0)} KiB |`,
        `| submit → completed | ${wall.toFixed(1)} s |`,
        `| of which seqkit (runtime_seconds) | ${tool.toFixed(1)} s |`,
        `| of which staging: link, streaming check with sha256 | ${(wall - tool).toFixed(1)} s (≈ ${((size / 1024 ** 2) / Math.max(0.001, wall - tool)).toFixed(0)} MiB/s) |`,
        '',
        `The input was staged as a link (${path.relative(workRoot, staged.path)} → ${fastq}); seqkit counted all ${reads.toLocaleString('en-US')} reads.`,
      ].join('\n') + '\n',
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/large-input: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
