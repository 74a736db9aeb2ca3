// How long a client waits: for a job id (submit latency) and for a finished tiny BLAST (full
// path), through the real stdio MCP server, next to raw BullMQ doing the same work on the same
// Redis. Hermetic: its own redis-server on a free port, a temp data dir, the repo's fixtures, and
// everything it started is stopped and removed however the run ends.
//
//   npm run bench                                    (build, then this with the defaults)
//   node dist/bench/submit-latency.js --submits 200 --runs 30
//
// Every BLAST it times is checked to have found exactly the one expected hit, so a broken
// database or an empty query fails the run instead of producing fast, meaningless figures.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { execa } from 'execa';
import type { JobResult, JobStatus, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { Cleanup } from './support/cleanup.js';
import { startServerChild, type ServerChild } from './support/server-child.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { startThrowawayRedis, type ThrowawayRedis } from './support/throwaway-redis.js';
import { runTinyBlast, tabularOutputOf, type TinyBlast } from './support/tiny-blast.js';

// Pinned inputs (bench/README.md): if a fixture changes, the run stops rather than measuring
// something else. r1 is a 122-base lambda read with a single megablast hit on the genome.
const QUERIES_FILE = 'lambda_queries.fa';
const QUERIES_FILE_RECORDS = 20;
const QUERY_ID = 'r1';
const QUERY_LENGTH = 122;
const GENOME_FILE = 'lambda_virus.fa';
const GENOME = { name: 'lambda', sequences: 1, letters: 48502 };
const HITS_PER_RUN = 1;

// Untimed runs first, so the figures are not about JIT warm-up, first connections or the
// worker's one-off `blastn -version`.
const SUBMIT_WARMUP = 10;
const RUN_WARMUP = 2;

interface Settings {
  submits: number;
  runs: number;
}

const USAGE = `Usage: node dist/bench/submit-latency.js [--submits N] [--runs M]
  --submits N   submit-only calls and queue.add calls to time (default 200; env BENCH_SUBMITS)
  --runs M      full tiny-BLAST round trips to time, per path (default 30; env BENCH_RUNS)`;

function parseSettings(argv: string[], env: NodeJS.ProcessEnv): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { submits: { type: 'string', short: 'n' }, runs: { type: 'string', short: 'm' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return undefined;
  const count = (flag: string, envName: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`--${flag} (or ${envName}): expected a whole number from 1 to 100000, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    submits: count('submits', 'BENCH_SUBMITS', values.submits ?? env.BENCH_SUBMITS, 200),
    runs: count('runs', 'BENCH_RUNS', values.runs ?? env.BENCH_RUNS, 30),
  };
}

function fastaRecords(text: string): { id: string; sequence: string; text: string }[] {
  return text
    .split(/^>/m)
    .slice(1)
    .map((chunk) => {
      const [header = '', ...lines] = chunk.split('\n');
      return { id: header.split(/\s/)[0]!, sequence: lines.join('').trim(), text: `>${chunk.trimEnd()}\n` };
    });
}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`check failed: ${message}`);
}

const progress = (text: string) => process.stderr.write(`${text}\n`);

async function timed<T>(samples: number[] | undefined, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await run();
  samples?.push(performance.now() - start);
  return value;
}

async function firstLine(command: string, args: string[]): Promise<string> {
  const r = await execa(command, args, { reject: false, all: true });
  return String(r.all ?? r.shortMessage).split('\n')[0]!.trim();
}

async function machineFacts(root: string): Promise<string[]> {
  const cpus = os.cpus();
  const pkgVersion = async (name: string) =>
    (JSON.parse(await fs.readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return [
    `CPUs: ${cpus.length} (${cpus[0]?.model.trim() ?? 'unknown model'}), availableParallelism ${os.availableParallelism()}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `Node: ${process.version}`,
    `blastn: ${await firstLine('blastn', ['-version'])}`,
    `redis-server: ${await firstLine('redis-server', ['--version'])}`,
    `bullmq ${await pkgVersion('bullmq')}, @modelcontextprotocol/sdk ${await pkgVersion('@modelcontextprotocol/sdk')}`,
  ];
}

// (c) Submission alone, against a server with no worker: nothing competes for the CPU and
// every job stays queued. MCP ping is the stdio JSON-RPC floor under each tool call.
async function measureSubmit(server: ServerChild, queryText: string, n: number): Promise<{ ping: number[]; submit: number[] }> {
  const ping: number[] = [];
  const submit: number[] = [];
  for (let i = 0; i < SUBMIT_WARMUP + n; i++) await timed(i < SUBMIT_WARMUP ? undefined : ping, () => server.client.ping());
  for (let i = 0; i < SUBMIT_WARMUP + n; i++) {
    const job = await timed(i < SUBMIT_WARMUP ? undefined : submit, () =>
      server.call<Submission>('blastn_async', { query: queryText, database: GENOME.name }),
    );
    check(/^blast-[0-9a-z]{16}$/.test(job.job_id) && job.status === 'queued', `blastn_async answered ${JSON.stringify(job)}`);
  }
  // Every call really put a job in Redis.
  const { queues } = await server.call<{ queues: { queue: string; counts: { queued: number; running: number } }[] }>('queue_stats', {});
  const blast = queues.find((q) => q.queue === 'blast');
  check(blast?.counts.queued === SUBMIT_WARMUP + n && blast.counts.running === 0, `expected ${SUBMIT_WARMUP + n} queued blast jobs, queue_stats says ${JSON.stringify(blast)}`);
  return { ping, submit };
}

async function waitUntilDone(server: ServerChild, jobId: string): Promise<JobStatus> {
  for (;;) {
    const status = await server.call<JobStatus & { timed_out: boolean }>('wait_for_job', { job_id: jobId, timeout_seconds: 20 });
    if (!status.timed_out) return status;
  }
}

async function hitLinesAt(url: string): Promise<number> {
  check(url.startsWith('file://'), `expected a file:// link, got ${url}`);
  const text = await fs.readFile(fileURLToPath(url), 'utf8');
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

interface FullPath {
  total: number[];
  queueWait: number[];
  workerRun: number[];
  blastn: number[];
  /** finished_at → the client holding the result: wait_for_job's poll slack plus get_job_result. */
  afterFinish: number[];
  command: string[];
}

// (d) What a client sees end to end: submit → wait_for_job until completed → get_job_result.
// The job's own timestamps split each run into queue wait, worker run and blastn itself.
async function measureFullPath(server: ServerChild, queryText: string, m: number): Promise<FullPath> {
  const out: FullPath = { total: [], queueWait: [], workerRun: [], blastn: [], afterFinish: [], command: [] };
  for (let i = 0; i < RUN_WARMUP + m; i++) {
    const warm = i < RUN_WARMUP;
    const { status, result } = await timed(warm ? undefined : out.total, async () => {
      const job = await server.call<Submission>('blastn_async', { query: queryText, database: GENOME.name });
      const status = await waitUntilDone(server, job.job_id);
      if (status.status !== 'completed') return { status, result: undefined };
      return { status, result: await server.call<JobResult>('get_job_result', { job_id: job.job_id }) };
    });
    const endWall = Date.now();
    check(status.status === 'completed' && result !== undefined, `job ${status.job_id} ended ${status.status}: ${JSON.stringify(status.error)}`);
    const summary = result.summary as { hit_count?: number; hsp_count?: number } | null;
    check(summary?.hit_count === HITS_PER_RUN && summary.hsp_count === HITS_PER_RUN, `job ${status.job_id}: expected ${HITS_PER_RUN} hit, summary says ${JSON.stringify(summary)}`);
    check(result.files.length === 1, `job ${status.job_id}: expected one result file, got ${result.files.length}`);
    const lines = await hitLinesAt(result.files[0]!.url);
    check(lines === HITS_PER_RUN, `job ${status.job_id}: expected ${HITS_PER_RUN} hit line in ${result.files[0]!.url}, found ${lines}`);
    if (warm) continue;
    const at = (iso: string | null) => {
      check(iso !== null, `job ${status.job_id} lacks a timestamp`);
      return Date.parse(iso);
    };
    out.queueWait.push(at(status.started_at) - at(status.submitted_at));
    out.workerRun.push(at(status.finished_at) - at(status.started_at));
    out.blastn.push((result.runtime_seconds ?? NaN) * 1000);
    out.afterFinish.push(endWall - at(status.finished_at));
    out.command = result.command ?? [];
  }
  return out;
}

// (e) The same work without our server: raw BullMQ on the same Redis, under its own prefix.
async function measureBaseline(redis: ThrowawayRedis, blast: TinyBlast, n: number, m: number, cleanup: Cleanup) {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const prefix = 'bench-raw';
  // The options every job of the server gets (src/jobs/job-queues.ts) and priority 5 → BullMQ 6,
  // so the add runs the same Lua script (prioritized) as a real submission.
  const jobOptions = {
    attempts: 3,
    backoff: { type: 'exponential', delay: 5000 },
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
    priority: 6,
  };
  const jobData = (i: number) => ({ tool: 'blastn', params: { database: GENOME.name }, inputs: { query: { kind: 'inline', text: blast.queryText } }, priority: 5, owner: 'bench', submitted_at: new Date().toISOString(), i });

  const alone: number[] = [];
  for (let i = 0; i < m + RUN_WARMUP; i++) {
    const hits = await timed(i < RUN_WARMUP ? undefined : alone, () => runTinyBlast(blast));
    check(hits.length === HITS_PER_RUN, `blastn alone: expected ${HITS_PER_RUN} hit line, got ${hits.length}`);
  }

  const addQueue = new Queue('blast-add-only', { connection, prefix });
  cleanup.add('BullMQ add-only queue', () => addQueue.close());
  const adds: number[] = [];
  for (let i = 0; i < SUBMIT_WARMUP + n; i++) {
    const jobId = `blast-${randomBytes(8).toString('hex')}`;
    await timed(i < SUBMIT_WARMUP ? undefined : adds, () => addQueue.add('blastn', jobData(i), { ...jobOptions, jobId }));
  }
  const counts = await addQueue.getJobCounts('prioritized', 'waiting');
  check((counts.prioritized ?? 0) + (counts.waiting ?? 0) === SUBMIT_WARMUP + n, `expected ${SUBMIT_WARMUP + n} queued jobs after the adds, BullMQ counts ${JSON.stringify(counts)}`);

  const queue = new Queue('blast-run', { connection, prefix });
  const events = new QueueEvents('blast-run', { connection, prefix });
  const worker = new Worker('blast-run', async (job) => (await runTinyBlast({ ...blast, queryText: job.data.inputs.query.text as string })).length, {
    connection,
    prefix,
    concurrency: 1,
  });
  cleanup.add('BullMQ baseline worker', async () => {
    await worker.close();
    await events.close();
    await queue.close();
  });
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  const full = { total: [] as number[], queueWait: [] as number[], processor: [] as number[], afterFinish: [] as number[] };
  for (let i = 0; i < RUN_WARMUP + m; i++) {
    const warm = i < RUN_WARMUP;
    const jobId = `blast-${randomBytes(8).toString('hex')}`;
    const hits = await timed(warm ? undefined : full.total, async () => {
      const job = await queue.add('blastn', jobData(i), { ...jobOptions, jobId });
      return (await job.waitUntilFinished(events, 60_000)) as number;
    });
    const endWall = Date.now();
    check(hits === HITS_PER_RUN, `BullMQ baseline: expected ${HITS_PER_RUN} hit line, the worker returned ${hits}`);
    if (warm) continue;
    const job = await queue.getJob(jobId);
    check(job?.processedOn !== undefined && job.finishedOn !== undefined, `BullMQ baseline: job ${jobId} lacks its timestamps`);
    full.queueWait.push(job.processedOn - job.timestamp);
    full.processor.push(job.finishedOn - job.processedOn);
    full.afterFinish.push(endWall - job.finishedOn);
  }
  return { alone, adds, full };
}

async function run(settings: Settings, cleanup: Cleanup): Promise<void> {
  const root = packageRoot();
  const fixtures = path.join(root, 'fixtures');
  const mainJs = path.join(root, 'dist', 'src', 'cli', 'main.js');
  await fs.access(mainJs).catch(() => {
    throw new Error(`${mainJs} is missing: run "npm run build" first`);
  });

  const records = fastaRecords(await fs.readFile(path.join(fixtures, QUERIES_FILE), 'utf8'));
  check(records.length === QUERIES_FILE_RECORDS, `${QUERIES_FILE} should hold ${QUERIES_FILE_RECORDS} records, has ${records.length}`);
  const query = records[0]!;
  check(query.id === QUERY_ID && query.sequence.length === QUERY_LENGTH, `${QUERIES_FILE}: expected ${QUERY_ID} (${QUERY_LENGTH} bp) first, got ${query.id} (${query.sequence.length} bp)`);
  check(fastaRecords(query.text).length === 1, 'the inline query should be exactly one FASTA record');
  const genomeRecords = fastaRecords(await fs.readFile(path.join(fixtures, GENOME_FILE), 'utf8'));
  check(genomeRecords.length === GENOME.sequences, `${GENOME_FILE} should hold ${GENOME.sequences} record, has ${genomeRecords.length}`);

  const facts = await machineFacts(root);
  const startedAt = new Date();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-'));
  cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
  const dataDir = path.join(tmp, 'data');
  const dbDir = path.join(dataDir, 'databases');
  await fs.mkdir(dataDir);

  const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
  cleanup.add('redis-server', () => redis.stop(), redis.pid);
  progress(`redis-server pid ${redis.pid} on ${redis.url}; data dir ${dataDir}`);

  const serverEnv = (prefix: string, embeddedWorker: boolean) => ({
    BIO_QUEUE_REDIS_URL: redis.url,
    BIO_QUEUE_DATA_DIR: dataDir,
    BIO_QUEUE_INPUT_ROOTS: fixtures,
    BIO_QUEUE_LOG_LEVEL: 'warn',
    BIO_QUEUE_PREFIX: prefix,
    BIO_QUEUE_EMBEDDED_WORKER: String(embeddedWorker),
  });
  const startServer = async (label: string, prefix: string, embeddedWorker: boolean) => {
    const server = await startServerChild({ label, mainJs, env: serverEnv(prefix, embeddedWorker) });
    cleanup.add(`MCP server ${label}`, () => server.close(), server.pid);
    // As a desktop client does: tools/list first, which also lets the SDK check each answer
    // against the tool's output schema (that check is part of what a client pays).
    const { tools } = await server.client.listTools();
    check(tools.some((t) => t.name === 'blastn_async'), `server ${label} lists no blastn_async`);
    return server;
  };

  // (a, c) Submission against a server without a worker.
  progress(`phase c: ${settings.submits} MCP pings and ${settings.submits} blastn_async submissions (no worker)`);
  const submitServer = await startServer('submit-only', 'bench-submit', false);
  const submit = await measureSubmit(submitServer, query.text, settings.submits);
  const submitServerClose = await submitServer.close();
  cleanup.released(submitServer.pid);

  // (a, b, d) Database build and the full path against a server with its embedded worker.
  progress(`phase b: make_blast_db_async ${GENOME.name}`);
  const fullServer = await startServer('with-worker', 'bench-full', true);
  const buildMs: number[] = [];
  await timed(buildMs, async () => {
    const build = await fullServer.call<Submission>('make_blast_db_async', { input: path.join(fixtures, GENOME_FILE), name: GENOME.name, dbtype: 'nucl' });
    const done = await waitUntilDone(fullServer, build.job_id);
    check(done.status === 'completed', `building the database ended ${done.status}: ${JSON.stringify(done.error)}`);
  });
  const { databases } = await fullServer.call<{ databases: { name: string; sequences: number; letters: number }[] }>('list_databases', {});
  const db = databases.find((d) => d.name === GENOME.name);
  check(db?.sequences === GENOME.sequences && db.letters === GENOME.letters, `database ${GENOME.name}: expected ${GENOME.sequences} sequence of ${GENOME.letters} letters, list_databases says ${JSON.stringify(db)}`);

  progress(`phase d: ${settings.runs} full round trips (submit → wait_for_job → get_job_result)`);
  const full = await measureFullPath(fullServer, query.text, settings.runs);
  const fullServerClose = await fullServer.close();
  cleanup.released(fullServer.pid);
  tabularOutputOf(full.command);

  // (e) Raw BullMQ and blastn alone, running the exact argv the server reported.
  progress(`phase e: blastn alone ×${settings.runs}, queue.add ×${settings.submits}, BullMQ add → worker → completed ×${settings.runs}`);
  const workRoot = path.join(tmp, 'baseline-work');
  await fs.mkdir(workRoot);
  const baseline = await measureBaseline(redis, { argv: full.command, dbDir, workRoot, queryText: query.text }, settings.submits, settings.runs, cleanup);

  const rows: Row[] = [
    { label: 'c  MCP ping round trip (stdio, no tool)', figures: figures(submit.ping) },
    { label: 'c  blastn_async call → job id (MCP)', figures: figures(submit.submit) },
    { label: 'e  queue.add alone (raw BullMQ)', figures: figures(baseline.adds) },
    { label: 'd  full path: submit → wait_for_job → get_job_result', figures: figures(full.total) },
    { label: 'd    queue wait (submitted_at → started_at)', figures: figures(full.queueWait) },
    { label: 'd    worker run (started_at → finished_at)', figures: figures(full.workerRun) },
    { label: 'd    blastn process (runtime_seconds)', figures: figures(full.blastn) },
    { label: 'd    finished_at → client has the result', figures: figures(full.afterFinish) },
    { label: 'e  raw BullMQ: add → Worker runs blastn → completed', figures: figures(baseline.full.total) },
    { label: 'e    queue wait (timestamp → processedOn)', figures: figures(baseline.full.queueWait) },
    { label: 'e    processor (processedOn → finishedOn)', figures: figures(baseline.full.processor) },
    { label: 'e    finishedOn → waitUntilFinished resolves', figures: figures(baseline.full.afterFinish) },
    { label: 'e  blastn alone (execa, temp dir, no queue)', figures: figures(baseline.alone) },
  ];
  const exact = `node ${path.relative(process.cwd(), process.argv[1]!) || process.argv[1]} ${process.argv.slice(2).join(' ')}`.trim();
  const report = [
    `bio-mcp-queue submit and full-path latency — ${startedAt.toISOString()}`,
    `command: ${exact}   (cwd ${process.cwd()}${process.env.npm_lifecycle_event ? `, via npm run ${process.env.npm_lifecycle_event}` : ''})`,
    `settings: submits N=${settings.submits} (+${SUBMIT_WARMUP} untimed), runs M=${settings.runs} (+${RUN_WARMUP} untimed), sequential, one client`,
    ...facts,
    `query: ${QUERY_ID} of ${QUERIES_FILE} (1 record, ${QUERY_LENGTH} bp, inline); database ${GENOME.name} from ${GENOME_FILE} (${GENOME.sequences} sequence, ${GENOME.letters} letters)`,
    `checked: every timed and untimed BLAST found exactly ${HITS_PER_RUN} hit line; every submit left a queued job in Redis`,
    `blastn argv (as the server ran it, reused by the baseline): ${full.command.join(' ')}`,
    `server: start (spawn → MCP initialized) ${submitServer.startupMs.toFixed(0)} ms without worker, ${fullServer.startupMs.toFixed(0)} ms with worker; ` +
      `close (stdin end → exit) ${submitServerClose.toFixed(0)} ms / ${fullServerClose.toFixed(0)} ms; make_blast_db_async round trip ${buildMs[0]!.toFixed(0)} ms`,
    '',
    formatTable(rows),
    '',
  ];
  process.stdout.write(report.join('\n'));
}

async function main(): Promise<void> {
  let settings: Settings | undefined;
  try {
    settings = parseSettings(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (!settings) return void process.stdout.write(`${USAGE}\n`);
  const cleanup = new Cleanup();
  try {
    await run(settings, cleanup);
  } catch (err) {
    process.stderr.write(`\nBENCHMARK FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
