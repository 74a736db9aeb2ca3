// Where a tiny job's CPU goes, thread by thread (issue 11): the stdio MCP server with its
// embedded worker runs W tiny blastn jobs to warm up, then N more one after another, and each
// of its threads' CPU time, context switches and the process's minor page faults are read from
// /proc before and after those N. The figures a machine's costs show up in: a fork, a hand-off
// to libuv's thread pool and back, a page fault cost 3–4 times more on one kind of 2-core VM
// than on another (bench/RESULTS.md). Linux only. Every job is checked to have found its hit.
//
//   npm run build && node dist/bench/job-threads.js [--jobs 60] [--warm-up 30]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { JobResult, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { check, progress } from './support/bench-checks.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { Cleanup, runWithCleanup } from './support/cleanup.js';
import { cpuMsOfStat, statFieldsAfterName } from './support/proc-cpu.js';
import { LAMBDA_DATABASE, LAMBDA_QUERY, makeLambdaDatabase } from './support/lambda-database.js';
import { builtMainJs, startServerChild, type ServerChild } from './support/server-child.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';

const HITS_PER_JOB = 1;

interface ThreadReading {
  cpuMs: number;
  voluntary: number;
  involuntary: number;
}

async function readThreads(pid: number): Promise<Map<number, ThreadReading>> {
  const threads = new Map<number, ThreadReading>();
  for (const tid of await fs.readdir(`/proc/${pid}/task`)) {
    const [stat, status] = await Promise.all([fs.readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8'), fs.readFile(`/proc/${pid}/task/${tid}/status`, 'utf8')]).catch(() => ['', '']);
    if (!stat) continue; // ended between the listing and the read
    const switches = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    threads.set(Number(tid), { cpuMs: cpuMsOfStat(stat) ?? NaN, voluntary: switches('voluntary_ctxt_switches'), involuntary: switches('nonvoluntary_ctxt_switches') });
  }
  return threads;
}

async function minorFaults(pid: number): Promise<number> {
  // minflt: field 10, the 8th after the name.
  return Number(statFieldsAfterName(await fs.readFile(`/proc/${pid}/stat`, 'utf8'))[7]);
}

// Threads are unnamed in Node 20; they are told apart by when they started: the main thread is
// the pid, then V8's platform workers, then libuv's pool (started at its first use), then later
// ones (the lock keeper's worker thread).
function label(tid: number, pid: number, order: number): string {
  return tid === pid ? 'main' : `thread ${order} (tid ${tid})`;
}

async function runJobs(server: ServerChild, jobs: number): Promise<void> {
  for (let i = 0; i < jobs; i++) {
    const { job_id } = await server.call<Submission>('blastn_async', { query: LAMBDA_QUERY, database: LAMBDA_DATABASE });
    const status = await server.waitUntilDone(job_id);
    check(status.status === 'completed', `job ${job_id} ended ${status.status}: ${JSON.stringify(status.error)}`);
    const result = await server.call<JobResult>('get_job_result', { job_id });
    const hits = (result.summary as { hit_count?: number } | null)?.hit_count;
    check(hits === HITS_PER_JOB, `job ${job_id}: expected ${HITS_PER_JOB} hit, the summary says ${hits}`);
  }
}

async function run(settings: { jobs: number; warmUp: number }, cleanup: Cleanup): Promise<void> {
  check(process.platform === 'linux', 'job-threads reads /proc: Linux only');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-job-threads-'));
  cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
  const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
  cleanup.add('redis-server', () => redis.stop(), redis.pid);
  const dbDir = path.join(tmp, 'databases');
  await makeLambdaDatabase(dbDir);
  const server = await startServerChild({
    label: 'bio-mcp-queue',
    mainJs: await builtMainJs(),
    env: {
      BIO_QUEUE_REDIS_URL: redis.url,
      BIO_QUEUE_DATA_DIR: path.join(tmp, 'data'),
      BIO_QUEUE_DB_DIR: dbDir,
      BIO_QUEUE_INPUT_ROOTS: path.join(packageRoot(), 'fixtures'),
      BIO_QUEUE_LOG_LEVEL: 'warn',
      BIO_QUEUE_EMBEDDED_WORKER: 'true',
      BIO_QUEUE_WORKER_CONCURRENCY: '1',
      BIO_QUEUE_TOOL_THREADS: '1',
    },
  });
  cleanup.add('MCP server', () => server.close(), server.pid);
  const pid = server.pid!;
  progress(`warm-up: ${settings.warmUp} jobs`);
  await runJobs(server, settings.warmUp);
  progress(`measured: ${settings.jobs} jobs, one after another`);
  const [before, faultsBefore] = [await readThreads(pid), await minorFaults(pid)];
  const start = performance.now();
  await runJobs(server, settings.jobs);
  const wallMs = performance.now() - start;
  const [after, faultsAfter] = [await readThreads(pid), await minorFaults(pid)];
  await server.close();
  cleanup.released(server.pid);

  const perJob = (x: number) => (x / settings.jobs).toFixed(2);
  const rows = [...after.keys()].sort((a, b) => a - b).map((tid, order) => {
    const a = after.get(tid)!;
    const b = before.get(tid) ?? { cpuMs: 0, voluntary: 0, involuntary: 0 };
    return { name: label(tid, pid, order), cpuMs: a.cpuMs - b.cpuMs, voluntary: a.voluntary - b.voluntary, involuntary: a.involuntary - b.involuntary };
  });
  const total = rows.reduce((t, r) => ({ cpuMs: t.cpuMs + r.cpuMs, voluntary: t.voluntary + r.voluntary, involuntary: t.involuntary + r.involuntary }), { cpuMs: 0, voluntary: 0, involuntary: 0 });
  const exact = `node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim();
  process.stdout.write(
    [
      `bio-mcp-queue: a tiny job's CPU by server thread — ${new Date().toISOString()}`,
      `command: ${exact}`,
      `machine: ${os.availableParallelism()} CPUs, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `${settings.jobs} jobs after ${settings.warmUp} to warm up, one at a time: ${perJob(wallMs)} ms of wall a job; every job found ${HITS_PER_JOB} hit`,
      `minor page faults of the server: ${perJob(faultsAfter - faultsBefore)} a job (CPU resolution: one clock tick, 10 ms at the usual USER_HZ, over the whole run)`,
      '',
      '| thread | CPU ms a job | voluntary switches a job | involuntary switches a job |',
      '|---|---:|---:|---:|',
      ...rows.filter((r) => r.cpuMs > 0 || r.voluntary > 0).map((r) => `| ${r.name} | ${perJob(r.cpuMs)} | ${perJob(r.voluntary)} | ${perJob(r.involuntary)} |`),
      `| all threads | ${perJob(total.cpuMs)} | ${perJob(total.voluntary)} | ${perJob(total.involuntary)} |`,
      '',
    ].join('\n'),
  );
}

function main(): void {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, 'warm-up': { type: 'string' } } });
  let settings: { jobs: number; warmUp: number };
  try {
    settings = { jobs: wholeNumberFlag('jobs', values.jobs, 60, 100_000), warmUp: wholeNumberFlag('warm-up', values['warm-up'], 30, 100_000) };
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\nUsage: node dist/bench/job-threads.js [--jobs N] [--warm-up W]\n`);
    process.exitCode = 2;
    return;
  }
  void runWithCleanup((cleanup) => run(settings, cleanup), { stack: true });
}

main();
