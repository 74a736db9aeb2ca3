// What a lab's remote clients wait for, through a real `bio-mcp-queue serve` child process on
// loopback: a job id over REST and over MCP Streamable HTTP (each with its bearer key checked),
// and a tiny BLAST from submission to the downloaded result file over REST, following the job
// with its server-sent events. Hermetic: its own redis-server on a free port, a temp data dir
// (local storage with signed links), the repo's fixtures; everything it started is stopped and
// removed however the run ends.
//
//   npm run build && node dist/bench/http-latency.js [--submits 200] [--runs 30]
//
// Every timed BLAST must have found exactly the one expected hit in the file it downloaded, so a
// broken path fails the run instead of producing fast, meaningless figures.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execa, type ResultPromise } from 'execa';
import type { JobResult, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { Cleanup, runWithCleanup } from './support/cleanup.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { freePort, startThrowawayRedis } from './support/throwaway-redis.js';
import { check } from './support/bench-checks.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { makeLambdaDatabase } from './support/lambda-database.js';

const KEY = 'bench-key-0123456789abcdef';
const QUERY_ID = 'r1';
const HITS_PER_RUN = 1;
const SUBMIT_WARMUP = 10;
const RUN_WARMUP = 2;

function parseSettings(argv: string[]): { submits: number; runs: number } {
  const { values } = parseArgs({ args: argv, options: { submits: { type: 'string' }, runs: { type: 'string' } } });
  return { submits: wholeNumberFlag('submits', values.submits, 200, 100_000), runs: wholeNumberFlag('runs', values.runs, 30, 100_000) };
}

async function timed<T>(samples: number[] | undefined, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await run();
  samples?.push(performance.now() - started);
  return value;
}

const auth = { Authorization: `Bearer ${KEY}` };

async function restSubmit(base: string, query: string): Promise<Submission> {
  const res = await fetch(`${base}/jobs/submit`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ job_type: 'blastn', parameters: { query, database: 'lambda', task: 'megablast' }, priority: 5 }),
  });
  if (res.status !== 202) throw new Error(`POST /jobs/submit answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Submission;
}

// Reads the job's event stream until the server says it has ended.
async function followEvents(base: string, jobId: string): Promise<void> {
  const res = await fetch(`${base}/jobs/${jobId}/events`, { headers: auth });
  check(res.status === 200, `GET /jobs/${jobId}/events answered ${res.status}`);
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body!) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (/^event: end$/m.test(text)) break;
  }
  check(/^event: end$/m.test(text), `the event stream of ${jobId} closed before its end event`);
}

async function run(settings: { submits: number; runs: number }, cleanup: Cleanup): Promise<void> {
  const startedAt = new Date();
  const root = packageRoot();
  const fixtures = path.join(root, 'fixtures');
  const mainJs = path.join(root, 'dist', 'src', 'cli', 'main.js');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-http-'));
  cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
  const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
  cleanup.add('redis-server', () => redis.stop(), redis.pid);

  const dbDir = path.join(tmp, 'databases');
  await makeLambdaDatabase(dbDir);
  const queries = await fs.readFile(path.join(fixtures, 'lambda_queries.fa'), 'utf8');
  const query = `>${queries.split(/^>/m).find((r) => r.startsWith(`${QUERY_ID} `) || r.startsWith(`${QUERY_ID}\n`))!.trimEnd()}\n`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server: ResultPromise = execa(process.execPath, [mainJs, 'serve', '--port', String(port)], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmp,
      BIO_QUEUE_REDIS_URL: redis.url,
      BIO_QUEUE_DATA_DIR: path.join(tmp, 'data'),
      BIO_QUEUE_DB_DIR: dbDir,
      BIO_QUEUE_API_KEYS: `bench:${KEY}`,
      BIO_QUEUE_SUBMIT_RATE_LIMIT: '1000000',
      BIO_QUEUE_LOG_LEVEL: 'warn',
    },
    extendEnv: false,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cleanup.add('serve', async () => {
    server.kill('SIGTERM');
    await server.catch(() => undefined);
  }, server.pid);
  const spawned = performance.now();
  for (;;) {
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    check(server.exitCode === null, 'serve exited before answering /health');
    await new Promise((r) => setTimeout(r, 20));
  }
  const startupMs = performance.now() - spawned;

  const mcp = new Client({ name: 'bio-mcp-queue-bench', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: auth } }));
  cleanup.add('MCP client', () => mcp.close());

  // Submissions, REST and MCP in turn. The worker is busy with them meanwhile: that is the load
  // a lab's server has, and it falls on both alike.
  const rest: number[] = [];
  const overMcp: number[] = [];
  for (let i = 0; i < SUBMIT_WARMUP + settings.submits; i++) {
    const warm = i < SUBMIT_WARMUP;
    const a = await timed(warm ? undefined : rest, () => restSubmit(base, query));
    check(a.status === 'queued', `REST submission ${a.job_id} is ${a.status}`);
    const b = await timed(warm ? undefined : overMcp, () => mcp.callTool({ name: 'blastn_async', arguments: { query, database: 'lambda', task: 'megablast' } }));
    check(!b.isError, `blastn_async failed: ${JSON.stringify(b.content)}`);
  }
  // Let the worker finish that backlog before the full-path runs, so they do not queue behind it.
  for (;;) {
    const stats = (await (await fetch(`${base}/queues/stats`, { headers: auth })).json()) as { queues: { counts: { queued: number; running: number } }[] };
    if (stats.queues.every((q) => q.counts.queued + q.counts.running === 0)) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const full: number[] = [];
  for (let i = 0; i < RUN_WARMUP + settings.runs; i++) {
    const warm = i < RUN_WARMUP;
    const hits = await timed(warm ? undefined : full, async () => {
      const { job_id } = await restSubmit(base, query);
      await followEvents(base, job_id);
      const result = (await (await fetch(`${base}/jobs/${job_id}/result`, { headers: auth })).json()) as JobResult;
      check(result.status === 'completed', `${job_id} ended ${result.status}: ${JSON.stringify(result.error)}`);
      const download = await fetch(result.files[0]!.url);
      check(download.status === 200, `download of ${job_id}'s result answered ${download.status}`);
      return (await download.text()).split('\n').filter((l) => l.trim() !== '');
    });
    check(hits.length === HITS_PER_RUN, `expected ${HITS_PER_RUN} hit line, got ${hits.length}`);
  }

  const rows: Row[] = [
    { label: 'POST /jobs/submit → 202 with job_id (REST)', figures: figures(rest) },
    { label: 'blastn_async → job id (MCP Streamable HTTP)', figures: figures(overMcp) },
    { label: 'full path: submit → events until end → result → download', figures: figures(full) },
  ];
  process.stdout.write(
    [
      `bio-mcp-queue HTTP latency — ${startedAt.toISOString()}`,
      `command: node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim(),
      `settings: N=${settings.submits} submits per path (+${SUBMIT_WARMUP} untimed), M=${settings.runs} full runs (+${RUN_WARMUP} untimed), one client, sequential, keep-alive`,
      `machine: ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `serve: spawn → /health answers ${startupMs.toFixed(0)} ms; local storage, signed links; embedded worker`,
      `checked: every submission queued; every full run completed and its downloaded file held exactly ${HITS_PER_RUN} hit line`,
      '',
      formatTable(rows),
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  await runWithCleanup((cleanup) => run(parseSettings(process.argv.slice(2)), cleanup));
}

void main();
