// The HTTP front under load, through a real `bio-mcp-queue serve` child process on loopback with
// no worker attached (issue 11): how many submissions a second it takes from 50 concurrent
// clients over REST and over MCP Streamable HTTP, and how 1,000 MCP sessions each asking
// get_job_status once a second are answered. Hermetic: its own redis-server on a free port, a
// temp data dir, the repo's fixtures; everything it started is stopped however the run ends.
//
//   npm run build && node dist/bench/http-load.js [--seconds 10] [--clients 50] [--sessions 1000] [--status-seconds 30] [--client http|fetch] [--processes 1]
//
// The generator speaks node:http on keep-alive sockets (--client http, the default): global
// fetch costs it about as much CPU a request as `serve` spends answering, on the same cores
// (bench/support/lean-http-client.ts); --client fetch is the old client, to compare.
//
// The server's submit rate limit and MCP session limits are raised in its environment so they do
// not refuse the load (the report says so). This process is the load generator: it runs beside
// the server and Redis on the same machine, so the three share its CPUs.
//
// It cannot measure nothing: after each submission phase the queued jobs Redis holds must equal
// the submissions answered 202 / without a tool error, and every get_job_status answer must name
// the job asked about.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { packageRoot } from '../src/package-info.js';
import { check, progress } from './support/bench-checks.js';
import { Cleanup, runWithCleanup } from './support/cleanup.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { childPids, childProcessesCpuMs, runningProcessCpuMs } from './support/proc-cpu.js';
import { redisCommandsByName } from './support/redis-command-stats.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { fetchClient, leanClient, type LeanClient } from './support/lean-http-client.js';
import { httpBenchScratch, queuedJobs, startServeChild } from './support/http-bench-setup.js';
import { LAMBDA_MEGABLAST, LAMBDA_REST_SUBMISSION } from './support/lambda-database.js';
import { callTool as callToolWithKey, openSession as openSessionWithKey } from './support/mcp-over-http.js';

const openSession = (http: LeanClient, n: number) => openSessionWithKey(http, KEY, n);
const callTool = (http: LeanClient, sessionId: string, id: number, name: string, args: Record<string, unknown>) => callToolWithKey(http, KEY, sessionId, id, name, args);

const KEY = 'bench-key-0123456789abcdef';
const WARMUP_MS = 2000;
// Sessions opened at once while setting up phase (c): setup is not what is measured.
const OPEN_CONCURRENCY = 20;
const SUBMIT_RATE_LIMIT = 1_000_000; // per key and minute: the most config.ts accepts

interface Settings {
  seconds: number;
  clients: number;
  sessions: number;
  statusSeconds: number;
  cpuProf: string | undefined;
  client: 'http' | 'fetch';
  /** serve --processes */
  processes: number;
}

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: 'string' }, clients: { type: 'string' }, sessions: { type: 'string' }, 'status-seconds': { type: 'string' }, 'cpu-prof': { type: 'string' }, client: { type: 'string' }, processes: { type: 'string' } },
  });
  const client = values.client ?? 'http';
  if (client !== 'http' && client !== 'fetch') throw new Error(`--client: "${client}" is neither http nor fetch`);
  return {
    seconds: wholeNumberFlag('seconds', values.seconds, 10, 600),
    clients: wholeNumberFlag('clients', values.clients, 50, 1000),
    sessions: wholeNumberFlag('sessions', values.sessions, 1000, 10_000),
    statusSeconds: wholeNumberFlag('status-seconds', values['status-seconds'], 30, 600),
    cpuProf: values['cpu-prof'],
    client,
    processes: wholeNumberFlag('processes', values.processes, 1, 64),
  };
}

const auth = { Authorization: `Bearer ${KEY}` };

async function inTurns<T>(count: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await run(i);
      }
    }),
  );
  return out;
}

interface LoadResult {
  samples: number[];
  ok: number;
  errors: Map<string, number>;
  elapsedMs: number;
  /** Successful calls made during the untimed warm-up too: they are in Redis as well. */
  okTotal: number;
}

// `clients` loops, each sending its next request when the last one is answered, for a warm-up
// then `seconds` timed; only requests sent inside the timed window count.
async function closedLoop(clients: number, seconds: number, send: (client: number) => Promise<string | undefined>): Promise<LoadResult> {
  const result: LoadResult = { samples: [], ok: 0, errors: new Map(), elapsedMs: 0, okTotal: 0 };
  const t0 = performance.now();
  const timedFrom = t0 + WARMUP_MS;
  const timedUntil = timedFrom + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (;;) {
        const started = performance.now();
        if (started >= timedUntil) return;
        let why: string | undefined;
        try {
          why = await send(c);
        } catch (err) {
          why = reason(err);
        }
        if (why === undefined) result.okTotal++;
        if (started < timedFrom) continue;
        if (why === undefined) {
          result.ok++;
          result.samples.push(performance.now() - started);
        } else {
          result.errors.set(why, (result.errors.get(why) ?? 0) + 1);
        }
      }
    }),
  );
  result.elapsedMs = performance.now() - timedFrom;
  return result;
}

const queuedInRedis = (http: LeanClient) => queuedJobs(http, KEY);

// fetch's own message ("fetch failed") hides the reason in its cause: ECONNRESET and the like.
const reason = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : '';
  return `${err.message}${cause}`;
};

// CPU seconds (user + system) a process has used so far; for serve, its serving processes' too (--processes).
const cpuSeconds = (pid: number): number => runningProcessCpuMs(pid) / 1000;
const serveCpuSeconds = (pid: number): number => (runningProcessCpuMs(pid) + childProcessesCpuMs(pid)) / 1000;

// The commands Redis ran between two readings, by name, most first.
function commandsSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const ran = new Map<string, number>();
  for (const [name, calls] of after) {
    const n = calls - (before.get(name) ?? 0);
    if (n > 0) ran.set(name, n);
  }
  return new Map([...ran].sort((a, b) => b[1] - a[1]));
}

// Read and write system calls a process has made so far, from /proc/<pid>/io (Linux): socket
// reads and writes are most of `serve`'s, and their count does not move with the machine's load.
async function syscalls(pid: number): Promise<{ reads: number; writes: number }> {
  const total = { reads: 0, writes: 0 };
  for (const each of [pid, ...childPids(pid)]) {
    const io = await fs.readFile(`/proc/${each}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
    total.reads += field('syscr');
    total.writes += field('syscw');
  }
  return total;
}

interface CpuShare {
  server: number;
  redis: number;
  generator: number;
  /** Commands Redis ran, by name (the bench's own few INFO and stats reads included). */
  commandsByName: Map<string, number>;
  /** serve's read and write system calls. */
  serverReads: number;
  serverWrites: number;
}

// What each of the three processes used during run(), in CPU seconds, and the commands Redis ran.
async function cpuDuring<T>(pids: { server: number; redis: number }, stats: Redis, run: () => Promise<T>): Promise<{ value: T; cpu: CpuShare }> {
  const commands = await redisCommandsByName(stats);
  const before = { server: serveCpuSeconds(pids.server), redis: cpuSeconds(pids.redis), generator: process.cpuUsage(), io: await syscalls(pids.server) };
  const value = await run();
  const generator = process.cpuUsage(before.generator);
  const io = await syscalls(pids.server);
  const commandsByName = commandsSince(commands, await redisCommandsByName(stats));
  return {
    value,
    cpu: {
      server: serveCpuSeconds(pids.server) - before.server,
      redis: cpuSeconds(pids.redis) - before.redis,
      generator: (generator.user + generator.system) / 1e6,
      commandsByName,
      serverReads: io.reads - before.io.reads,
      serverWrites: io.writes - before.io.writes,
    },
  };
}

// Cores busy, and CPU ms per answered request: the second holds on a shared, loaded machine
// where throughput does not (the server gets what the others leave it).
const cpuText = (c: CpuShare, wallSeconds: number, requests: number) => {
  const per = (s: number) => ((s * 1000) / requests).toFixed(2);
  return `CPU: serve ${(c.server / wallSeconds).toFixed(2)} cores = ${per(c.server)} ms a request, redis-server ${(c.redis / wallSeconds).toFixed(2)} = ${per(c.redis)} ms, load generator ${(c.generator / wallSeconds).toFixed(2)} = ${per(c.generator)} ms; Redis ran ${([...c.commandsByName.values()].reduce((a, b) => a + b, 0) / requests).toFixed(2)} commands a request (${[...c.commandsByName].map(([name, n]) => `${name} ${(n / requests).toFixed(2)}`).join(', ')}); serve made ${(c.serverReads / requests).toFixed(2)} read and ${(c.serverWrites / requests).toFixed(2)} write system calls a request`;
};

const errorsText = (errors: Map<string, number>) => [...errors].map(([why, n]) => `${n}× ${why}`).join('; ');

async function run(settings: Settings, cleanup: Cleanup): Promise<void> {
  const startedAt = new Date();
  const root = packageRoot();
  const mainJs = path.join(root, 'dist', 'src', 'cli', 'main.js');
  const scratch = await httpBenchScratch('http-load', cleanup);
  const { redis, stats } = scratch;

  const limits = {
    BIO_QUEUE_SUBMIT_RATE_LIMIT: String(SUBMIT_RATE_LIMIT),
    BIO_QUEUE_MCP_SESSIONS_PER_KEY: String(settings.sessions + settings.clients + 100),
    BIO_QUEUE_MCP_SESSIONS_MAX: String(settings.sessions + settings.clients + 100),
  };
  const nodeArgs = settings.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(settings.cpuProf)] : [];
  const server = await startServeChild(scratch, cleanup, { label: 'serve', mainJs, key: KEY, nodeArgs, serveArgs: ['--processes', String(settings.processes)], env: limits });
  const { base } = server;
  const http = settings.client === 'http' ? leanClient(base) : fetchClient(base);
  cleanup.add('client sockets', async () => http.close());
  check((await queuedInRedis(http)) === 0, 'the fresh Redis already holds jobs');

  // (a) REST submissions.
  progress(`(a) REST POST /jobs/submit from ${settings.clients} clients for ${settings.seconds} s (+${WARMUP_MS / 1000} s warm-up)`);
  let aJobId: string | undefined;
  const pids = { server: server.pid, redis: redis.pid };
  const { value: rest, cpu: restCpu } = await cpuDuring(pids, stats, () => closedLoop(settings.clients, settings.seconds, async () => {
    const res = await http.request('POST', '/jobs/submit', { ...auth, 'Content-Type': 'application/json' }, LAMBDA_REST_SUBMISSION);
    const { text } = res;
    if (res.status !== 202) return `HTTP ${res.status}: ${text.slice(0, 200)}`;
    const submission = JSON.parse(text) as { job_id: string; status: string };
    if (submission.status !== 'queued') return `status ${submission.status}`;
    aJobId ??= submission.job_id;
    return undefined;
  }));
  const queuedA = await queuedInRedis(http);
  check(queuedA === rest.okTotal, `Redis holds ${queuedA} queued jobs after (a), but ${rest.okTotal} REST submissions were accepted`);

  // (b) The same over MCP Streamable HTTP: one session per client.
  progress(`(b) MCP tools/call blastn_async from ${settings.clients} sessions for ${settings.seconds} s`);
  const bSessions = await inTurns(settings.clients, OPEN_CONCURRENCY, (i) => openSession(http, i));
  let rpcId = 10;
  const { value: overMcp, cpu: mcpCpu } = await cpuDuring(pids, stats, () => closedLoop(settings.clients, settings.seconds, async (c) => {
    const answer = await callTool(http, bSessions[c]!, rpcId++, 'blastn_async', LAMBDA_MEGABLAST);
    if (!answer.ok) return answer.why;
    if (typeof answer.value.job_id !== 'string') return `no job_id in ${JSON.stringify(answer.value).slice(0, 200)}`;
    return undefined;
  }));
  const queuedB = await queuedInRedis(http);
  check(queuedB - queuedA === overMcp.okTotal, `Redis gained ${queuedB - queuedA} queued jobs in (b), but ${overMcp.okTotal} blastn_async calls succeeded`);

  // (c) Many sessions polling one real queued job once a second each, their calls spread evenly over the second.
  progress(`(c) opening ${settings.sessions} MCP sessions`);
  check(aJobId !== undefined, 'no job id from (a)');
  const jobId = aJobId;
  const openStarted = performance.now();
  const cSessions = await inTurns(settings.sessions, OPEN_CONCURRENCY, (i) => openSession(http, 1000 + i));
  const openMs = performance.now() - openStarted;
  progress(`(c) ${settings.sessions} sessions open in ${(openMs / 1000).toFixed(1)} s; each calls get_job_status once a second for ${settings.statusSeconds} s`);
  const status: number[] = [];
  const statusErrors = new Map<string, number>();
  let late = 0;
  const t0 = performance.now() + 1000;
  const { cpu: statusCpu } = await cpuDuring(pids, stats, () => Promise.all(
    cSessions.map(async (sessionId, s) => {
      const offset = (s / settings.sessions) * 1000;
      for (let k = 0; k < settings.statusSeconds; k++) {
        const due = t0 + offset + k * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else late++;
        const started = performance.now();
        let why: string | undefined;
        try {
          const answer = await callTool(http, sessionId, 100 + k, 'get_job_status', { job_id: jobId });
          if (!answer.ok) why = answer.why;
          else if (answer.value.job_id !== jobId || answer.value.status !== 'queued') why = `unexpected status ${JSON.stringify(answer.value).slice(0, 200)}`;
        } catch (err) {
          why = reason(err);
        }
        if (why === undefined) status.push(performance.now() - started);
        else statusErrors.set(why, (statusErrors.get(why) ?? 0) + 1);
      }
    }),
  ));
  const statusCalls = settings.sessions * settings.statusSeconds;
  const statusElapsed = (performance.now() - t0) / 1000;

  const wall = (r: LoadResult) => (r.elapsedMs + WARMUP_MS) / 1000;
  const rate = (r: LoadResult) => (r.ok / (r.elapsedMs / 1000)).toFixed(0);
  const rows: Row[] = [
    { label: `(a) POST /jobs/submit → 202, ${settings.clients} clients`, figures: figures(rest.samples) },
    { label: `(b) MCP blastn_async → job id, ${settings.clients} sessions`, figures: figures(overMcp.samples) },
    { label: `(c) MCP get_job_status, ${settings.sessions} sessions × 1/s`, figures: figures(status) },
  ];
  process.stdout.write(
    [
      `bio-mcp-queue HTTP load — ${startedAt.toISOString()}`,
      `command: node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim(),
      `machine: ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `serve: ${settings.processes === 1 ? 'one process' : `--processes ${settings.processes} (a primary and ${settings.processes} serving processes, their CPU counted together)`}, no worker (BIO_QUEUE_EMBEDDED_WORKER=false), local storage; limits raised so they refuse nothing: ${Object.entries(limits).map(([k, v]) => `${k}=${v}`).join(', ')}`,
      `load generator: this Node process (${settings.client === 'http' ? 'node:http' : 'global fetch'}, keep-alive), beside serve and redis-server on the same ${os.cpus().length} CPUs${settings.cpuProf ? `; serve ran with --cpu-prof into ${settings.cpuProf}` : ''}`,
      `closed loops: each client sends its next request when the last is answered; ${WARMUP_MS / 1000} s untimed warm-up, then ${settings.seconds} s timed`,
      '',
      `(a) REST:  ${rate(rest)} submissions/s, ${rest.ok} ok, ${[...rest.errors.values()].reduce((a, b) => a + b, 0)} errors${rest.errors.size ? ` (${errorsText(rest.errors)})` : ''}; Redis holds ${queuedA} queued = ${rest.okTotal} accepted (warm-up included)`,
      `    ${cpuText(restCpu, wall(rest), rest.okTotal)}`,
      `(b) MCP:   ${rate(overMcp)} submissions/s, ${overMcp.ok} ok, ${[...overMcp.errors.values()].reduce((a, b) => a + b, 0)} errors${overMcp.errors.size ? ` (${errorsText(overMcp.errors)})` : ''}; Redis gained ${queuedB - queuedA} queued = ${overMcp.okTotal} accepted`,
      `    ${cpuText(mcpCpu, wall(overMcp), overMcp.okTotal)}`,
      `(c) status: ${settings.sessions} sessions opened in ${(openMs / 1000).toFixed(1)} s; ${status.length} of ${statusCalls} calls answered in ${statusElapsed.toFixed(1)} s (${(status.length / statusElapsed).toFixed(0)}/s), ${statusCalls - status.length} errors${statusErrors.size ? ` (${errorsText(statusErrors)})` : ''}, ${late} calls sent late (previous one still running)`,
      `    ${cpuText(statusCpu, statusElapsed, status.length)}`,
      '',
      formatTable(rows),
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  await runWithCleanup((cleanup) => run(parseSettings(process.argv.slice(2)), cleanup));
  // fetch's pooled keep-alive sockets would hold the process a while.
  process.exit(process.exitCode ?? 0);
}

void main();
