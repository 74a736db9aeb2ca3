// Throughput of many tiny jobs (issue 11): N one-read blastn jobs, two at a time, through the real
// stdio MCP server and its embedded worker, next to a hand-written BullMQ worker running the same
// argv and the same blastn launched by hand, two at a time. Hermetic like submit-latency.ts: its
// own redis-server, a temp data dir, the repo's fixtures.
//
//   npm run bench:tiny-jobs                                   (build, then this with the defaults)
//   node dist/bench/tiny-jobs.js --jobs 200 --rounds 3
//   node dist/bench/tiny-jobs.js --profile                    (+ where the worker's time goes)
//
// The three paths run in turn, rotating which goes first, so load from elsewhere hits them alike.
// Every job of every path is checked to have found exactly the one expected hit, so nothing fast
// and wrong is measured. --profile runs the server once more with --cpu-prof and its debug log:
// the worker's own stage timings (worker/stage-clock.ts) and the CPU profile by package.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { JobResult, JobStatus, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { check, progress } from './support/bench-checks.js';
import { openBullmqBatch } from './support/bullmq-batch.js';
import { Cleanup, runWithCleanup } from './support/cleanup.js';
import { summarizeCpuProfiles } from './support/cpu-profile.js';
import { builtMainJs, startServerChild, type ServerChild } from './support/server-child.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { childProcessesCpuMs, ownCpuMs, runningProcessCpuMs } from './support/proc-cpu.js';
import { redisCommandsRun } from './support/redis-command-stats.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';
import { runTinyBlast, tabularOutputOf, type TinyBlast } from './support/tiny-blast.js';
import { wholeNumberFlag } from './support/bench-flags.js';

// Pinned inputs, as in submit-latency.ts: r1, the first record of lambda_queries.fa, is a
// 122-base lambda read with one megablast hit on the genome.
const QUERIES_FILE = 'lambda_queries.fa';
const QUERY_ID = 'r1';
const QUERY_LENGTH = 122;
const GENOME_FILE = 'lambda_virus.fa';
const DATABASE = 'lambda';
const HITS_PER_JOB = 1;

interface Settings {
  jobs: number;
  concurrency: number;
  rounds: number;
  profile: boolean;
}

const USAGE = `Usage: node dist/bench/tiny-jobs.js [--jobs N] [--concurrency C] [--rounds R] [--profile]
  --jobs N          tiny blastn jobs per path and round (default 200)
  --concurrency C   jobs at a time on every path (default 2)
  --rounds R        rounds of the three paths in turn (default 3)
  --profile         also run the server once with --cpu-prof and print where its time goes`;

function parseSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { jobs: { type: 'string' }, concurrency: { type: 'string' }, rounds: { type: 'string' }, profile: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return undefined;
  return {
    jobs: wholeNumberFlag('jobs', values.jobs, 200, 100_000),
    concurrency: wholeNumberFlag('concurrency', values.concurrency, 2, 64),
    rounds: wholeNumberFlag('rounds', values.rounds, 3, 100),
    profile: values.profile ?? false,
  };
}

async function firstRecord(file: string): Promise<string> {
  const [chunk = ''] = (await fs.readFile(file, 'utf8')).split(/^>/m).slice(1);
  const [header = '', ...lines] = chunk.split('\n');
  const sequence = lines.join('').trim();
  check(header.split(/\s/)[0] === QUERY_ID && sequence.length === QUERY_LENGTH, `${file}: expected ${QUERY_ID} (${QUERY_LENGTH} bp) first, got ${header} (${sequence.length} bp)`);
  return `>${chunk.trimEnd()}\n`;
}

// N submissions as one client makes them, then every job waited for; the jobs are checked after
// the clock stops. Returns the wall time and the jobs' own queue-wait and run-time figures.
async function serverBatch(server: ServerChild, query: string, jobs: number) {
  const start = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) ids.push((await server.call<Submission>('blastn_async', { query, database: DATABASE })).job_id);
  const statuses: JobStatus[] = [];
  for (const id of ids) statuses.push(await server.waitUntilDone(id));
  const wallMs = performance.now() - start;
  const checkStart = ownCpuMs();
  const runs: number[] = [];
  const tools: number[] = [];
  let command: readonly string[] = [];
  for (const status of statuses) {
    check(status.status === 'completed', `job ${status.job_id} ended ${status.status}: ${JSON.stringify(status.error)}`);
    const result = await server.call<JobResult>('get_job_result', { job_id: status.job_id });
    const summary = result.summary as { hit_count?: number } | null;
    check(summary?.hit_count === HITS_PER_JOB, `job ${status.job_id}: expected ${HITS_PER_JOB} hit, summary says ${JSON.stringify(summary)}`);
    runs.push(Date.parse(status.finished_at!) - Date.parse(status.started_at!));
    tools.push((result.runtime_seconds ?? NaN) * 1000);
    command = result.command ?? [];
  }
  // This process's share of checking the results, taken off the batch's CPU (the server's share is not: a small overcount).
  return { wallMs, runs, tools, command, checkCpuMs: ownCpuMs() - checkStart };
}

// N runs of the same blastn, C at a time, no queue at all.
async function byHandBatch(blast: TinyBlast, jobs: number, concurrency: number) {
  const start = performance.now();
  let next = 0;
  const hits: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        next += 1;
        hits.push((await runTinyBlast(blast)).length);
      }
    }),
  );
  const wallMs = performance.now() - start;
  check(hits.length === jobs && hits.every((n) => n === HITS_PER_JOB), `by hand: expected ${jobs} runs of ${HITS_PER_JOB} hit, got ${JSON.stringify(hits.slice(0, 5))}…`);
  return wallMs;
}

async function run(settings: Settings, cleanup: Cleanup): Promise<void> {
  const root = packageRoot();
  const fixtures = path.join(root, 'fixtures');
  const mainJs = await builtMainJs();
  const query = await firstRecord(path.join(fixtures, QUERIES_FILE));
  const startedAt = new Date();
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-tiny-'));
  cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
  const dataDir = path.join(tmp, 'data');
  const workRoot = path.join(tmp, 'baseline-work');
  await fs.mkdir(workRoot, { recursive: true });
  const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
  cleanup.add('redis-server', () => redis.stop(), redis.pid);
  const stats = new Redis(redis.url);
  cleanup.add('Redis stats connection', async () => void stats.disconnect());

  const serverEnv = (prefix: string, level: string) => ({
    BIO_QUEUE_REDIS_URL: redis.url,
    BIO_QUEUE_DATA_DIR: dataDir,
    BIO_QUEUE_INPUT_ROOTS: fixtures,
    BIO_QUEUE_LOG_LEVEL: level,
    BIO_QUEUE_PREFIX: prefix,
    BIO_QUEUE_EMBEDDED_WORKER: 'true',
    BIO_QUEUE_WORKER_CONCURRENCY: String(settings.concurrency),
    BIO_QUEUE_TOOL_THREADS: '1',
  });
  const server = await startServerChild({ label: 'bio-mcp-queue', mainJs, env: serverEnv('bench-tiny', 'warn') });
  cleanup.add('MCP server', () => server.close(), server.pid);
  const build = await server.call<Submission>('make_blast_db_async', { input: path.join(fixtures, GENOME_FILE), name: DATABASE, dbtype: 'nucl' });
  const built = await server.waitUntilDone(build.job_id);
  check(built.status === 'completed', `building the database ended ${built.status}: ${JSON.stringify(built.error)}`);

  // A warm-up batch tells the exact argv the server runs; the other paths run that same argv.
  progress('warm-up: 10 jobs through the server');
  const warm = await serverBatch(server, query, 10);
  tabularOutputOf(warm.command);
  check(warm.command.includes('-num_threads') && warm.command[warm.command.indexOf('-num_threads') + 1] === '1', `expected one thread, the server ran ${warm.command.join(' ')}`);
  const blast: TinyBlast = { argv: warm.command, dbDir: path.join(dataDir, 'databases'), workRoot, queryText: query };
  const baseline = openBullmqBatch(redis, 'bench-hand-written', blast, settings.concurrency);
  cleanup.add('BullMQ baseline', () => baseline.close());
  await baseline.start();
  await baseline.runBatch(10);
  await byHandBatch(blast, 10, settings.concurrency);

  const wall = { server: [] as number[], bullmq: [] as number[], hand: [] as number[] };
  // Node's own CPU for the batch: the server process, its tool spawner and its MCP client here;
  // the baseline's producer and worker (this process). The blastn processes are not counted in either.
  const cpu = { server: [] as number[], serverOnly: [] as number[], spawner: [] as number[], bullmq: [] as number[] };
  // Redis commands a job (both paths share the one redis-server; each runs alone in its turn).
  const commands = { server: [] as number[], bullmq: [] as number[] };
  const serverRuns: number[] = [];
  const serverTools: number[] = [];
  const bullmqRuns: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const paths = [
      async () => {
        const commandsBefore = await redisCommandsRun(stats);
        const serverBefore = runningProcessCpuMs(server.pid!);
        const spawnerBefore = childProcessesCpuMs(server.pid!);
        const clientBefore = ownCpuMs();
        const r = await serverBatch(server, query, settings.jobs);
        const serverSpent = runningProcessCpuMs(server.pid!) - serverBefore;
        const spawnerSpent = childProcessesCpuMs(server.pid!) - spawnerBefore;
        // The results' reads for the checks are in this count too: two MCP calls a job, a few commands.
        // The - 1 is the INFO call that read the count before.
        commands.server.push((await redisCommandsRun(stats)) - commandsBefore - 1);
        const clientSpent = ownCpuMs() - clientBefore - r.checkCpuMs;
        cpu.server.push(serverSpent + spawnerSpent + clientSpent);
        cpu.serverOnly.push(serverSpent);
        cpu.spawner.push(spawnerSpent);
        wall.server.push(r.wallMs);
        serverRuns.push(...r.runs);
        serverTools.push(...r.tools);
      },
      async () => {
        const commandsBefore = await redisCommandsRun(stats);
        const cpuBefore = ownCpuMs();
        const r = await baseline.runBatch(settings.jobs);
        cpu.bullmq.push(ownCpuMs() - cpuBefore);
        commands.bullmq.push((await redisCommandsRun(stats)) - commandsBefore - 1);
        wall.bullmq.push(r.wallMs);
        bullmqRuns.push(...r.processor);
      },
      async () => wall.hand.push(await byHandBatch(blast, settings.jobs, settings.concurrency)),
    ];
    for (let k = 0; k < paths.length; k++) await paths[(round + k) % paths.length]!();
    progress(`round ${round + 1}: server ${(wall.server.at(-1)! / 1000).toFixed(2)} s (its process ${(cpu.serverOnly.at(-1)! / settings.jobs).toFixed(1)} ms CPU a job, its tool spawner ${(cpu.spawner.at(-1)! / settings.jobs).toFixed(1)}, with the client ${(cpu.server.at(-1)! / settings.jobs).toFixed(1)}), hand-written BullMQ ${(wall.bullmq.at(-1)! / 1000).toFixed(2)} s, by hand ${(wall.hand.at(-1)! / 1000).toFixed(2)} s`);
  }
  await server.close();
  cleanup.released(server.pid);

  const median = (xs: number[]) => figures(xs).p50;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const exact = `node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim();
  const report = [
    `bio-mcp-queue: ${settings.jobs} tiny blastn jobs, ${settings.concurrency} at a time — ${startedAt.toISOString()}`,
    `command: ${exact}`,
    `machine: ${os.availableParallelism()} CPUs, Node ${process.version}; load average ${loadBefore} before, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} after`,
    `argv (every path): ${warm.command.join(' ')}`,
    `checked: every job of every path found exactly ${HITS_PER_JOB} hit (server: summary hit_count of each job's result)`,
    '',
    '| path | wall per round (s) | median | vs hand-written BullMQ |',
    '|---|---|---:|---:|',
    `| bio-mcp-queue (stdio MCP, embedded worker) | ${wall.server.map((x) => (x / 1000).toFixed(2)).join(', ')} | ${s(median(wall.server))} | ${(median(wall.server) / median(wall.bullmq)).toFixed(3)}× |`,
    `| hand-written BullMQ worker | ${wall.bullmq.map((x) => (x / 1000).toFixed(2)).join(', ')} | ${s(median(wall.bullmq))} | 1.000× |`,
    `| by hand (execa, ${settings.concurrency} at a time) | ${wall.hand.map((x) => (x / 1000).toFixed(2)).join(', ')} | ${s(median(wall.hand))} | ${(median(wall.hand) / median(wall.bullmq)).toFixed(3)}× |`,
    `Node CPU per job (the blastn processes not counted): bio-mcp-queue ${(median(cpu.server) / settings.jobs).toFixed(1)} ms (server process ${(median(cpu.serverOnly) / settings.jobs).toFixed(1)} + its tool spawner ${(median(cpu.spawner) / settings.jobs).toFixed(1)} + MCP client), hand-written BullMQ ${(median(cpu.bullmq) / settings.jobs).toFixed(1)} ms (producer + worker), medians of the rounds`,
    `Redis commands per job: bio-mcp-queue ${(median(commands.server) / settings.jobs).toFixed(1)} (submit, worker, waits and the result reads of the checks), hand-written BullMQ ${(median(commands.bullmq) / settings.jobs).toFixed(1)}, medians of the rounds`,
    '',
    formatTable([
      { label: 'server job: started_at → finished_at', figures: figures(serverRuns) },
      { label: 'server job: of which blastn (runtime_seconds)', figures: figures(serverTools) },
      { label: 'hand-written BullMQ: processedOn → finishedOn', figures: figures(bullmqRuns) },
    ] satisfies Row[]),
    '',
  ];
  process.stdout.write(report.join('\n'));

  if (settings.profile) await profileServer(settings, query, serverEnv('bench-tiny-profile', 'debug'), mainJs, tmp, cleanup);
}

// The server once more, under --cpu-prof and its debug log: the worker's stage timings of every
// job, and the CPU profile by package.
async function profileServer(settings: Settings, query: string, env: Record<string, string>, mainJs: string, tmp: string, cleanup: Cleanup): Promise<void> {
  const profileDir = path.join(tmp, 'cpu-profiles');
  const stageLines: { stages_ms: Record<string, number>; queue_wait_ms: number }[] = [];
  const server = await startServerChild({
    label: 'profiled',
    mainJs,
    env,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    onStderrLine(line) {
      if (!line.startsWith('{')) return false;
      const entry = JSON.parse(line) as { msg?: string; stages_ms?: Record<string, number>; queue_wait_ms?: number; level?: number };
      if (entry.msg === 'job stages' && entry.stages_ms) stageLines.push({ stages_ms: entry.stages_ms, queue_wait_ms: entry.queue_wait_ms ?? NaN });
      // Debug and info lines are taken; warnings and worse still print.
      return (entry.level ?? 30) < 40;
    },
  });
  cleanup.add('profiled MCP server', () => server.close(), server.pid);
  progress(`profile: ${settings.jobs} jobs through a server under --cpu-prof`);
  await serverBatch(server, query, 10);
  stageLines.length = 0;
  const r = await serverBatch(server, query, settings.jobs);
  await server.close();
  cleanup.released(server.pid);
  check(stageLines.length === settings.jobs, `expected ${settings.jobs} "job stages" log lines, got ${stageLines.length}`);
  const names = [...new Set(stageLines.flatMap((l) => Object.keys(l.stages_ms)))];
  const rows: Row[] = [
    { label: 'queue wait (timestamp → processedOn)', figures: figures(stageLines.map((l) => l.queue_wait_ms)) },
    ...names.map((name) => ({ label: name, figures: figures(stageLines.map((l) => l.stages_ms[name] ?? 0)) })),
    { label: 'sum of the stages', figures: figures(stageLines.map((l) => Object.values(l.stages_ms).reduce((a, b) => a + b, 0))) },
  ];
  const profile = await summarizeCpuProfiles(profileDir);
  process.stdout.write(
    [
      `profiled run: ${settings.jobs} jobs in ${(r.wallMs / 1000).toFixed(2)} s (debug log and --cpu-prof on: slower than the timed rounds)`,
      'worker stages per job (ms), from worker/stage-clock.ts:',
      formatTable(rows),
      '',
      `CPU profile of the server process (${(profile.totalMs / 1000).toFixed(2)} s sampled, ${(profile.idleMs / 1000).toFixed(2)} s idle), self time by where the code lives:`,
      ...profile.byOrigin.slice(0, 15).map((o) => `  ${o.origin.padEnd(40)} ${(o.ms / 1000).toFixed(2).padStart(7)} s  ${((100 * o.ms) / (profile.totalMs - profile.idleMs)).toFixed(1).padStart(5)} % of busy  ${(o.ms / settings.jobs).toFixed(2)} ms/job`),
      'busiest functions (self time):',
      ...profile.byFunction.slice(0, 15).map((f) => `  ${f.name.padEnd(60)} ${(f.ms / 1000).toFixed(2).padStart(7)} s`),
      'busy time by the nearest function of ours on the stack (what our code spends, callees included):',
      ...profile.byOurCaller.slice(0, 25).map((f) => `  ${f.name.padEnd(60)} ${(f.ms / 1000).toFixed(2).padStart(7)} s  ${(f.ms / settings.jobs).toFixed(2)} ms/job`),
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  let settings: Settings | undefined;
  try {
    settings = parseSettings(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (!settings) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  await runWithCleanup((cleanup) => run(settings, cleanup), { stack: true });
}

void main();
