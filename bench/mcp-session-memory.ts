// What an idle MCP session over Streamable HTTP costs `serve` in memory: the HTTP server runs in
// this process (startHttpServer, as `bio-mcp-queue serve` runs it, on a throwaway redis-server,
// no worker), N sessions are opened with `initialize` and `notifications/initialized` only, and
// the V8 heap is compared after full garbage collections before and after, and again after the
// sessions are closed (DELETE), so memory a session leaves behind shows too.
//
//   npm run bench:mcp-sessions            (build, then this with the defaults)
//   node --expose-gc dist/bench/mcp-session-memory.js [--sessions 500] [--heap-diff]
//
// --calls N then has every session call get_job_status N times (a queued blastn job's status) and
// weighs the sessions again: what a session that has been used keeps of its answers (the replay
// store, in-memory-event-store.ts, keeps the last ones for a client that lost its stream).
//
// --heap-diff adds what the open sessions are made of: the objects a heap snapshot with them open
// has that one before them had not, by kind and constructor, per session (heap-snapshot-diff.ts).
//
// The client side is raw fetch keeping only each session id (a few dozen bytes), so the delta is
// the server's. Every initialize must answer with the server's name and a session id, every
// session must be counted open by the server and closed at the end, or the run stops.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { startHttpServer } from '../src/http/start-http-server.js';
import { createLogger } from '../src/logger.js';
import { check, progress } from './support/bench-checks.js';
import { newObjects, writeSnapshot } from './support/heap-snapshot-diff.js';
import { Cleanup } from './support/cleanup.js';
import { LAMBDA_DATABASE, LAMBDA_QUERY, makeLambdaDatabase } from './support/lambda-database.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';

const KEY = 'bench-key-0123456789abcdef';
const PROTOCOL_VERSION = '2025-06-18';
const KiB = 1024;
// Sessions opened at once: enough to keep the server busy, few enough that in-flight requests are noise.
const CONCURRENCY = 8;

function parseSettings(argv: string[]): { sessions: number; calls: number; heapDiff: boolean } {
  const { values } = parseArgs({ args: argv, options: { sessions: { type: 'string' }, calls: { type: 'string' }, 'heap-diff': { type: 'boolean' } } });
  const wholeNumber = (flag: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return n;
  };
  return { sessions: wholeNumber('sessions', values.sessions ?? '500', 10, 20_000), calls: wholeNumber('calls', values.calls ?? '0', 0, 5_000), heapDiff: values['heap-diff'] ?? false };
}

// Full collections until the heap stops shrinking, so what is left is what is held.
async function settledHeap(): Promise<{ heapUsed: number; external: number; rss: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  check(gc !== undefined, 'run with node --expose-gc (npm run bench:mcp-sessions does)');
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(last - used) < 16 * KiB) break;
    last = used;
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, rss: m.rss };
}

const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

// initialize, then notifications/initialized; returns the session id.
async function openSession(url: string, n: number): Promise<string> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: `bench-${n}`, version: '1.0.0' } } }),
  });
  const text = await res.text();
  check(res.status === 200, `initialize ${n} answered ${res.status}: ${text}`);
  const sessionId = res.headers.get('mcp-session-id');
  check(sessionId !== null, `initialize ${n} gave no mcp-session-id`);
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  const answer = JSON.parse(data ? data.slice(6) : text) as { result?: { serverInfo?: { name?: string } } };
  check(answer.result?.serverInfo?.name === 'bio-mcp-queue', `initialize ${n} answered ${text}`);
  const ack = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ack.text();
  check(ack.status === 202, `notifications/initialized of session ${n} answered ${ack.status}`);
  return sessionId;
}

// A queued blastn job (no worker runs here) whose status the sessions ask for.
async function submitJob(url: string): Promise<string> {
  const res = await fetch(`${url}/jobs/submit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ job_type: 'blastn', parameters: { query: LAMBDA_QUERY, database: LAMBDA_DATABASE, task: 'megablast' } }),
  });
  const text = await res.text();
  check(res.status === 202, `submitting the job answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { job_id: string }).job_id;
}

// One tools/call get_job_status in the session; its answer must name the job, queued.
async function callStatus(url: string, sessionId: string, jobId: string, n: number): Promise<void> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION },
    body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'get_job_status', arguments: { job_id: jobId } } }),
  });
  const text = await res.text();
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  const answer = JSON.parse(data ? data.slice(6) : text) as { id?: number; result?: { structuredContent?: { job_id?: string; status?: string } } };
  check(res.status === 200 && answer.id === n && answer.result?.structuredContent?.job_id === jobId && answer.result.structuredContent.status === 'queued', `get_job_status ${n} answered ${res.status}: ${text.slice(0, 300)}`);
}

async function closeSession(url: string, sessionId: string): Promise<void> {
  const res = await fetch(`${url}/mcp`, { method: 'DELETE', headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION } });
  await res.text();
  check(res.status === 200, `DELETE of session ${sessionId} answered ${res.status}`);
}

async function inTurns<T>(count: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await run(i);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const cleanup = new Cleanup();
  try {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-sessions-'));
    cleanup.add('remove the temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
    const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
    cleanup.add('stop redis-server', () => redis.stop(), redis.pid);
    const dbDir = path.join(tmp, 'databases');
    await makeLambdaDatabase(dbDir);
    const config = loadConfig({
      BIO_QUEUE_REDIS_URL: redis.url,
      BIO_QUEUE_DB_DIR: dbDir,
      BIO_QUEUE_DATA_DIR: path.join(tmp, 'data'),
      BIO_QUEUE_API_KEYS: `bench:${KEY}`,
      BIO_QUEUE_MCP_SESSIONS_PER_KEY: String(settings.sessions),
      BIO_QUEUE_MCP_SESSIONS_MAX: String(settings.sessions),
      BIO_QUEUE_LOG_LEVEL: 'warn',
    });
    const server = await startHttpServer(config, createLogger(config.logLevel), { host: '127.0.0.1', port: 0, embeddedWorker: false });
    cleanup.add('stop the HTTP server', () => server.close());
    // A few sessions first, untimed and closed: the first use of every code path allocates once.
    for (const id of await inTurns(20, (i) => openSession(server.url, i))) await closeSession(server.url, id);

    const before = await settledHeap();
    const snapshots: string[] = [];
    const snapshot = async (name: string) => {
      snapshots.push(writeSnapshot(tmp, name));
      // The snapshot held the event loop: let the server's keep-alive timers close the pooled
      // sockets they now find idle before the client reuses one.
      await new Promise((r) => setTimeout(r, 500));
    };
    if (settings.heapDiff) await snapshot('before');
    const ids = await inTurns(settings.sessions, (i) => openSession(server.url, i));
    check(server.app.mcpSessions.size === settings.sessions, `the server holds ${server.app.mcpSessions.size} sessions, not ${settings.sessions}`);
    const open = await settledHeap();
    if (settings.heapDiff) await snapshot('open');
    progress(`${settings.sessions} sessions open`);
    let busy: Awaited<ReturnType<typeof settledHeap>> | undefined;
    if (settings.calls > 0) {
      const jobId = await submitJob(server.url);
      await inTurns(ids.length, async (i) => {
        for (let n = 1; n <= settings.calls; n++) await callStatus(server.url, ids[i]!, jobId, n);
      });
      busy = await settledHeap();
      progress(`${settings.calls} get_job_status calls made in each session`);
    }
    await inTurns(ids.length, (i) => closeSession(server.url, ids[i]!));
    check(server.app.mcpSessions.size === 0, `${server.app.mcpSessions.size} sessions still held after DELETE`);
    const closed = await settledHeap();

    const per = (a: number, b: number) => ((b - a) / settings.sessions / KiB).toFixed(1);
    process.stdout.write(
      [
        `node ${process.version}, ${settings.sessions} idle Streamable HTTP sessions (initialize + initialized)`,
        '',
        '| per session (KiB)         | heap used | external | RSS |',
        '|---------------------------|----------:|---------:|----:|',
        `| open                      | ${per(before.heapUsed, open.heapUsed)} | ${per(before.external, open.external)} | ${per(before.rss, open.rss)} |`,
        ...(busy ? [`| ${`after ${settings.calls} calls each`.padEnd(25)} | ${per(before.heapUsed, busy.heapUsed)} | ${per(before.external, busy.external)} | ${per(before.rss, busy.rss)} |`] : []),
        `| left after DELETE         | ${per(before.heapUsed, closed.heapUsed)} | ${per(before.external, closed.external)} | ${per(before.rss, closed.rss)} |`,
        '',
      ].join('\n'),
    );
    if (snapshots.length === 2) {
      const groups = await newObjects(snapshots[0]!, snapshots[1]!);
      const total = groups.reduce((sum, g) => sum + g.bytes, 0);
      const rows = groups.slice(0, 30).map((g) => `| ${g.kind} | ${(g.count / settings.sessions).toFixed(1)} | ${Math.round(g.bytes / settings.sessions)} |`);
      process.stdout.write(
        [`new objects with the sessions open: ${(total / settings.sessions / KiB).toFixed(1)} KiB a session (compiled code included)`, '', '| kind | per session | bytes per session |', '|---|---:|---:|', ...rows, ''].join('\n'),
      );
    }
  } finally {
    await cleanup.run();
  }
}

// Everything is stopped by then; fetch's pooled keep-alive sockets would hold the process a while.
main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
