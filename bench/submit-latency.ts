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
// Paths that are compared are measured in turn (ping, submit, add; MCP run, BullMQ run, blastn
// alone), rotating which goes first, so load from elsewhere on the machine hits them alike.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { JobResult, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { openBullmqBaseline } from './support/bullmq-baseline.js';
import { Cleanup } from './support/cleanup.js';
import { builtMainJs, startServerChild, type ServerChild } from './support/server-child.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';
import { runTinyBlast, tabularOutputOf } from './support/tiny-blast.js';
import { check, progress } from './support/bench-checks.js';

// Pinned inputs (bench/README.md): if a fixture changes, the run stops rather than measuring
// something else. r1 is a 122-base lambda read with a single megablast hit on the genome.
const QUERIES_FILE = 'lambda_queries.fa';
const QUERIES_FILE_RECORDS = 20;
const QUERY_ID = 'r1';
const QUERY_LENGTH = 122;
const GENOME_FILE = 'lambda_virus.fa';
const GENOME = { name: 'lambda', sequences: 1, letters: 48502 };
const HITS_PER_RUN = 1;

// Untimed rounds first, so the figures are not about JIT warm-up, first connections or the
// worker's one-off `blastn -version`.
const SUBMIT_WARMUP = 10;
const RUN_WARMUP = 2;

interface Settings {
  submits: number;
  runs: number;
}

const USAGE = `Usage: node dist/bench/submit-latency.js [--submits N] [--runs M]
  --submits N   MCP pings, blastn_async submissions and queue.add calls to time (default 200; env BENCH_SUBMITS)
  --runs M      tiny BLASTs to time on each full path (default 30; env BENCH_RUNS)`;

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

// Runs `run` and, unless this is a warm-up round, appends its duration in ms to samples.
function timer(samples: number[], warm: boolean) {
  return async <T>(run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const value = await run();
    if (!warm) samples.push(performance.now() - start);
    return value;
  };
}

// Round i runs the steps starting from step i mod n, so none is always first after a pause.
async function inTurn(round: number, steps: (() => Promise<void>)[]): Promise<void> {
  for (let k = 0; k < steps.length; k++) await steps[(round + k) % steps.length]!();
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
    `CPUs: ${cpus.length} (${cpus[0]?.model.trim() ?? 'unknown model'}), availableParallelism ${os.availableParallelism()}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
    `OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `Node: ${process.version}`,
    `blastn: ${await firstLine('blastn', ['-version'])}`,
    `redis-server: ${await firstLine('redis-server', ['--version'])}`,
    `bullmq ${await pkgVersion('bullmq')}, @modelcontextprotocol/sdk ${await pkgVersion('@modelcontextprotocol/sdk')}`,
  ];
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function hitLinesAt(url: string): Promise<number> {
  check(url.startsWith('file://'), `expected a file:// link, got ${url}`);
  const text = await fs.readFile(fileURLToPath(url), 'utf8');
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

// (d) One run as a client sees it: submit → wait_for_job until completed → get_job_result,
// checked against the pinned hit count. The job's own timestamps split the time.
async function mcpRunOnce(server: ServerChild, queryText: string, time: ReturnType<typeof timer>) {
  const { status, result } = await time(async () => {
    const job = await server.call<Submission>('blastn_async', { query: queryText, database: GENOME.name });
    const status = await server.waitUntilDone(job.job_id);
    if (status.status !== 'completed') return { status, result: undefined };
    return { status, result: await server.call<JobResult>('get_job_result', { job_id: job.job_id }) };
  });
  const known = Date.now();
  check(status.status === 'completed' && result !== undefined, `job ${status.job_id} ended ${status.status}: ${JSON.stringify(status.error)}`);
  const summary = result.summary as { hit_count?: number; hsp_count?: number } | null;
  check(summary?.hit_count === HITS_PER_RUN && summary.hsp_count === HITS_PER_RUN, `job ${status.job_id}: expected ${HITS_PER_RUN} hit, summary says ${JSON.stringify(summary)}`);
  check(result.files.length === 1, `job ${status.job_id}: expected one result file, got ${result.files.length}`);
  const lines = await hitLinesAt(result.files[0]!.url);
  check(lines === HITS_PER_RUN, `job ${status.job_id}: expected ${HITS_PER_RUN} hit line in ${result.files[0]!.url}, found ${lines}`);
  const at = (iso: string | null) => {
    check(iso !== null, `job ${status.job_id} lacks a timestamp`);
    return Date.parse(iso);
  };
  return {
    command: result.command ?? [],
    queueWait: at(status.started_at) - at(status.submitted_at),
    workerRun: at(status.finished_at) - at(status.started_at),
    blastn: (result.runtime_seconds ?? NaN) * 1000,
    afterFinish: known - at(status.finished_at),
  };
}

async function run(settings: Settings, cleanup: Cleanup): Promise<void> {
  const root = packageRoot();
  const fixtures = path.join(root, 'fixtures');
  const mainJs = await builtMainJs();

  const records = fastaRecords(await fs.readFile(path.join(fixtures, QUERIES_FILE), 'utf8'));
  check(records.length === QUERIES_FILE_RECORDS, `${QUERIES_FILE} should hold ${QUERIES_FILE_RECORDS} records, has ${records.length}`);
  const query = records[0]!;
  check(query.id === QUERY_ID && query.sequence.length === QUERY_LENGTH, `${QUERIES_FILE}: expected ${QUERY_ID} (${QUERY_LENGTH} bp) first, got ${query.id} (${query.sequence.length} bp)`);
  check(fastaRecords(query.text).length === 1, 'the inline query should be exactly one FASTA record');
  const genomeRecords = fastaRecords(await fs.readFile(path.join(fixtures, GENOME_FILE), 'utf8'));
  check(genomeRecords.length === GENOME.sequences, `${GENOME_FILE} should hold ${GENOME.sequences} record, has ${genomeRecords.length}`);

  const facts = await machineFacts(root);
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-'));
  cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
  const dataDir = path.join(tmp, 'data');
  const workRoot = path.join(tmp, 'baseline-work');
  await fs.mkdir(dataDir);
  await fs.mkdir(workRoot);

  const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
  cleanup.add('redis-server', () => redis.stop(), redis.pid);
  progress(`redis-server pid ${redis.pid} on ${redis.url}; data dir ${dataDir}`);
  const baseline = openBullmqBaseline(redis, 'bench-raw');
  cleanup.add('BullMQ baseline', () => baseline.close());

  const startServer = async (label: string, prefix: string, embeddedWorker: boolean) => {
    const server = await startServerChild({
      label,
      mainJs,
      env: {
        BIO_QUEUE_REDIS_URL: redis.url,
        BIO_QUEUE_DATA_DIR: dataDir,
        BIO_QUEUE_INPUT_ROOTS: fixtures,
        BIO_QUEUE_LOG_LEVEL: 'warn',
        BIO_QUEUE_PREFIX: prefix,
        BIO_QUEUE_EMBEDDED_WORKER: String(embeddedWorker),
      },
    });
    cleanup.add(`MCP server ${label}`, () => server.close(), server.pid);
    // As a desktop client does: tools/list first, which also lets the SDK check each answer
    // against the tool's output schema (that check is part of what a client pays).
    const { tools } = await server.client.listTools();
    check(tools.some((t) => t.name === 'blastn_async'), `server ${label} lists no blastn_async`);
    return server;
  };

  // (c, e) Submission against a server without a worker (every job stays queued, nothing else
  // wants the CPU), in turn with an MCP ping (the stdio JSON-RPC floor) and a raw queue.add.
  progress(`phase c: ${settings.submits} × (MCP ping, blastn_async submit, raw queue.add), no worker`);
  const submitServer = await startServer('submit-only', 'bench-submit', false);
  const ping: number[] = [];
  const submit: number[] = [];
  const adds: number[] = [];
  for (let i = 0; i < SUBMIT_WARMUP + settings.submits; i++) {
    const warm = i < SUBMIT_WARMUP;
    await inTurn(i, [
      () => timer(ping, warm)(() => submitServer.client.ping()).then(() => undefined),
      async () => {
        const job = await timer(submit, warm)(() => submitServer.call<Submission>('blastn_async', { query: query.text, database: GENOME.name }));
        check(/^blast-[0-9a-z]{16}$/.test(job.job_id) && job.status === 'queued', `blastn_async answered ${JSON.stringify(job)}`);
      },
      () => timer(adds, warm)(() => baseline.add(query.text)),
    ]);
  }
  // Every call really left a job in Redis.
  const expected = SUBMIT_WARMUP + settings.submits;
  const { queues } = await submitServer.call<{ queues: { queue: string; counts: { queued: number; running: number } }[] }>('queue_stats', {});
  const blastQueue = queues.find((q) => q.queue === 'blast');
  check(blastQueue?.counts.queued === expected && blastQueue.counts.running === 0, `expected ${expected} queued blast jobs, queue_stats says ${JSON.stringify(blastQueue)}`);
  check((await baseline.addedCount()) === expected, `expected ${expected} jobs in the raw add-only queue, found ${await baseline.addedCount()}`);
  const submitServerClose = await submitServer.close();
  cleanup.released(submitServer.pid);

  // (b) The database, built through the server with its embedded worker.
  progress(`phase b: make_blast_db_async ${GENOME.name}`);
  const fullServer = await startServer('with-worker', 'bench-full', true);
  const buildStart = performance.now();
  const build = await fullServer.call<Submission>('make_blast_db_async', { input: path.join(fixtures, GENOME_FILE), name: GENOME.name, dbtype: 'nucl' });
  const built = await fullServer.waitUntilDone(build.job_id);
  const buildMs = performance.now() - buildStart;
  check(built.status === 'completed', `building the database ended ${built.status}: ${JSON.stringify(built.error)}`);
  const { databases } = await fullServer.call<{ databases: { name: string; sequences: number; letters: number }[] }>('list_databases', {});
  const db = databases.find((d) => d.name === GENOME.name);
  check(db?.sequences === GENOME.sequences && db.letters === GENOME.letters, `database ${GENOME.name}: expected ${GENOME.sequences} sequence of ${GENOME.letters} letters, list_databases says ${JSON.stringify(db)}`);

  // (d, e) Full paths in turn. The first MCP run tells the exact argv the server runs; the
  // baseline then runs that same argv, on the same database.
  progress(`phase d/e: ${settings.runs} × (MCP full path, raw BullMQ full path, blastn alone)`);
  const d = { total: [] as number[], queueWait: [] as number[], workerRun: [] as number[], blastn: [] as number[], afterFinish: [] as number[] };
  const e = { total: [] as number[], queueWait: [] as number[], processor: [] as number[], afterFinish: [] as number[], alone: [] as number[] };
  const { command } = await mcpRunOnce(fullServer, query.text, timer([], true));
  tabularOutputOf(command);
  const blast = { argv: command, dbDir: path.join(dataDir, 'databases'), workRoot };
  await baseline.start(blast);
  for (let i = 0; i < RUN_WARMUP + settings.runs; i++) {
    const warm = i < RUN_WARMUP;
    await inTurn(i, [
      async () => {
        const r = await mcpRunOnce(fullServer, query.text, timer(d.total, warm));
        check(r.command.join(' ') === command.join(' '), `the server ran a different command: ${r.command.join(' ')}`);
        if (warm) return;
        d.queueWait.push(r.queueWait);
        d.workerRun.push(r.workerRun);
        d.blastn.push(r.blastn);
        d.afterFinish.push(r.afterFinish);
      },
      async () => {
        const r = await baseline.runOnce(query.text, timer(e.total, warm));
        check(r.hitLines === HITS_PER_RUN, `raw BullMQ run: expected ${HITS_PER_RUN} hit line, the worker returned ${r.hitLines}`);
        if (warm) return;
        e.queueWait.push(r.queueWait);
        e.processor.push(r.processor);
        e.afterFinish.push(r.afterFinish);
      },
      async () => {
        const hits = await timer(e.alone, warm)(() => runTinyBlast({ ...blast, queryText: query.text }));
        check(hits.length === HITS_PER_RUN, `blastn alone: expected ${HITS_PER_RUN} hit line, got ${hits.length}`);
      },
    ]);
  }
  const fullServerClose = await fullServer.close();
  cleanup.released(fullServer.pid);

  const rows: Row[] = [
    { label: 'c  MCP ping round trip (stdio, no tool)', figures: figures(ping) },
    { label: 'c  blastn_async call → job id (MCP)', figures: figures(submit) },
    { label: 'e  queue.add alone (raw BullMQ)', figures: figures(adds) },
    { label: 'd  full path: submit → wait_for_job → get_job_result', figures: figures(d.total) },
    { label: 'd    queue wait (submitted_at → started_at)', figures: figures(d.queueWait) },
    { label: 'd    worker run (started_at → finished_at)', figures: figures(d.workerRun) },
    { label: 'd    of which blastn process (runtime_seconds)', figures: figures(d.blastn) },
    { label: 'd    finished_at → client has the result', figures: figures(d.afterFinish) },
    { label: 'e  raw BullMQ: add → Worker runs blastn → completed', figures: figures(e.total) },
    { label: 'e    queue wait (timestamp → processedOn)', figures: figures(e.queueWait) },
    { label: 'e    processor (processedOn → finishedOn)', figures: figures(e.processor) },
    { label: 'e    finishedOn → waitUntilFinished resolves', figures: figures(e.afterFinish) },
    { label: 'e  blastn alone (execa, temp dir, no queue)', figures: figures(e.alone) },
  ];
  const exact = `node ${path.relative(process.cwd(), process.argv[1]!) || process.argv[1]} ${process.argv.slice(2).join(' ')}`.trim();
  const report = [
    `bio-mcp-queue submit and full-path latency — ${startedAt.toISOString()}`,
    `command: ${exact}   (cwd ${process.cwd()}${process.env.npm_lifecycle_event ? `, via npm run ${process.env.npm_lifecycle_event}` : ''})`,
    `settings: N=${settings.submits} submits (+${SUBMIT_WARMUP} untimed), M=${settings.runs} runs (+${RUN_WARMUP} untimed), sequential, one client, compared paths measured in turn`,
    ...facts,
    `load average: ${loadBefore} before, ${loadAverage()} after`,
    `query: ${QUERY_ID} of ${QUERIES_FILE} (1 record, ${QUERY_LENGTH} bp, inline); database ${GENOME.name} from ${GENOME_FILE} (${GENOME.sequences} sequence, ${GENOME.letters} letters)`,
    `checked: every BLAST, timed or not, found exactly ${HITS_PER_RUN} hit line; every submit and add left a queued job in Redis`,
    `blastn argv (as the server ran it; the baseline runs the same): ${command.join(' ')}`,
    `server: start (spawn → MCP initialized) ${submitServer.startupMs.toFixed(0)} ms without worker, ${fullServer.startupMs.toFixed(0)} ms with worker; ` +
      `close (stdin end → exit) ${submitServerClose.toFixed(0)} ms / ${fullServerClose.toFixed(0)} ms; make_blast_db_async round trip ${buildMs.toFixed(0)} ms`,
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
