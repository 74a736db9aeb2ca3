// Two builds of the server side by side on tiny blastn jobs (issue 11), for a machine too busy for
// wall times: each build runs as its own stdio MCP server with an embedded worker on one Redis
// (own prefix, own data dir), and batches of N jobs alternate between them. Per batch it prints the
// server's CPU a job (/proc, its Node helper processes included), the Redis commands a job (INFO commandstats) and the wall time, so
// the load hits both builds alike and the counts do not depend on it at all.
//
//   npm run build
//   git archive <commit> | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/ && (cd /tmp/old && npm run build)
//   node dist/bench/tiny-jobs-ab.js /tmp/old/dist/src/cli/main.js dist/src/cli/main.js --jobs 50 --rounds 4
//
// Every job is checked to have completed with its one hit, so nothing fast and wrong is measured.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { JobResult, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { check, progress } from './support/bench-checks.js';
import { runWithCleanup } from './support/cleanup.js';
import { childProcessesCpuMs, runningProcessCpuMs } from './support/proc-cpu.js';
import { redisCommandsRun } from './support/redis-command-stats.js';
import { startServerChild, type ServerChild } from './support/server-child.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';

interface Batch {
  cpuMsPerJob: number;
  commandsPerJob: number;
  wallS: number;
}

async function batch(server: ServerChild, redis: Redis, query: string, jobs: number): Promise<Batch> {
  const commands0 = await redisCommandsRun(redis);
  // The server and its Node helpers (the tool spawner, or the watchdog of builds before it).
  const cpu = () => runningProcessCpuMs(server.pid!) + childProcessesCpuMs(server.pid!);
  const cpu0 = cpu();
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) ids.push((await server.call<Submission>('blastn_async', { query, database: 'lambda' })).job_id);
  for (const id of ids) {
    const status = await server.waitUntilDone(id);
    check(status.status === 'completed', `job ${id} ended ${status.status}`);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuMsPerJob = (cpu() - cpu0) / jobs;
  // The INFO call that asked is not counted; the checks below come after.
  const commandsPerJob = ((await redisCommandsRun(redis)) - commands0 - 1) / jobs;
  for (const id of ids) {
    const result = await server.call<JobResult>('get_job_result', { job_id: id });
    check((result.summary as { hit_count?: number } | null)?.hit_count === 1, `job ${id}: expected 1 hit, got ${JSON.stringify(result.summary)}`);
  }
  return { cpuMsPerJob, commandsPerJob, wallS };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { jobs: { type: 'string' }, rounds: { type: 'string' } } });
  const [oldMain, newMain] = positionals;
  const jobs = Number(values.jobs ?? 50);
  const rounds = Number(values.rounds ?? 4);
  if (!oldMain || !newMain || !Number.isInteger(jobs) || jobs < 1 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('Usage: node dist/bench/tiny-jobs-ab.js OLD_MAIN_JS NEW_MAIN_JS [--jobs N] [--rounds R]\n');
    process.exitCode = 2;
    return;
  }
  await runWithCleanup(async (cleanup) => {
    const fixtures = path.join(packageRoot(), 'fixtures');
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-tiny-ab-'));
    cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
    const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
    cleanup.add('redis-server', () => redis.stop(), redis.pid);
    const stats = new Redis(redis.url);
    cleanup.add('Redis stats connection', async () => void stats.disconnect());
    const [record = ''] = (await fs.readFile(path.join(fixtures, 'lambda_queries.fa'), 'utf8')).split(/^>/m).slice(1);
    const query = `>${record.trimEnd()}\n`;
    const servers: Record<'old' | 'new', ServerChild> = {} as never;
    for (const [label, mainJs] of [['old', oldMain], ['new', newMain]] as const) {
      const server = await startServerChild({
        label,
        mainJs: path.resolve(mainJs),
        env: {
          BIO_QUEUE_REDIS_URL: redis.url,
          BIO_QUEUE_DATA_DIR: path.join(tmp, label),
          BIO_QUEUE_INPUT_ROOTS: fixtures,
          BIO_QUEUE_LOG_LEVEL: 'warn',
          BIO_QUEUE_PREFIX: `ab-${label}`,
          BIO_QUEUE_EMBEDDED_WORKER: 'true',
          BIO_QUEUE_WORKER_CONCURRENCY: '2',
          BIO_QUEUE_TOOL_THREADS: '1',
        },
      });
      cleanup.add(`${label} server`, () => server.close(), server.pid);
      const build = await server.call<Submission>('make_blast_db_async', { input: path.join(fixtures, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
      check((await server.waitUntilDone(build.job_id)).status === 'completed', `${label}: building the database failed`);
      await batch(server, stats, query, 10);
      servers[label] = server;
    }
    const seen: Record<'old' | 'new', Batch[]> = { old: [], new: [] };
    for (let round = 0; round < rounds; round++) {
      for (const label of round % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) {
        const b = await batch(servers[label], stats, query, jobs);
        seen[label].push(b);
        progress(`round ${round + 1} ${label}: ${b.cpuMsPerJob.toFixed(1)} ms CPU a job, ${b.commandsPerJob.toFixed(1)} Redis commands a job, ${b.wallS.toFixed(2)} s; load ${os.loadavg()[0]!.toFixed(2)}`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const line = (label: 'old' | 'new') =>
      `${label}: ${median(seen[label].map((b) => b.cpuMsPerJob)).toFixed(1)} ms server CPU a job, ${median(seen[label].map((b) => b.commandsPerJob)).toFixed(1)} Redis commands a job, ${median(seen[label].map((b) => b.wallS)).toFixed(2)} s a batch (medians of ${rounds} batches of ${jobs})`;
    process.stdout.write(`${line('old')}\n${line('new')}\n`);
  }, { stack: true });
}

void main();
