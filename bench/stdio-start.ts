// How long a desktop client waits for the server it launches: spawn of the real stdio server
// (`dist/src/cli/main.js`, no arguments, private Redis, local storage, embedded worker — what
// `npx bio-mcp-queue` gives) → its answer to MCP `initialize`, and → the answer to a first tool
// call that needs Redis (`queue_stats`), so time moved out of the handshake is still seen.
//
//   npm run bench:stdio-start                     (build, then this with the defaults)
//   node dist/bench/stdio-start.js --runs 20 --cold 5 [--node /path/to/node] [--baseline /other/checkout]
//
// "node alone": the same node binary answering initialize from a one-line script, timed the same
// way in turn with the warm runs: the floor of spawning Node on this machine at this moment.
// --baseline: another build of the server (a checkout with its own dist/, e.g. the commit before
// a change) timed the same way, in turn with this one, on the same private Redis, so machine load
// hits both alike.
// "warm": the private Redis is already running (every start after the first of the day).
// "cold": it is stopped before each run, so the server starts redis-server itself.
// "CPU ms at initialize answered": what the server process had used by then, all threads, read
// from /proc (Linux; 10 ms ticks): less moved by a busy machine than the wall times.
// The JSON-RPC is written by hand on the child's stdin, so the client side costs nothing to load;
// every answer is checked (server name, protocol version, queue_stats naming every queue of the catalog,
// exit code 0 after stdin closes), so a server that fails fast cannot look fast.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/package-info.js';
import { privateRedisPaths, stopPrivateRedis, pingPrivateRedis } from '../src/redis/private-redis.js';
import { QUEUE_NAMES } from '../tools/index.js';
import { Cleanup } from './support/cleanup.js';
import { check, progress } from './support/bench-checks.js';
import { processCpuMs } from './support/proc-cpu.js';
import { figures, formatTable, type Row } from './support/stats.js';

const PROTOCOL_VERSION = '2025-06-18';
const SERVER_NAME = 'bio-mcp-queue';
const RUN_TIMEOUT_MS = 60_000;

interface Settings {
  runs: number;
  cold: number;
  node: string;
  /** The server's main.js of this checkout, and of the baseline one when given. */
  mains: { label: string; mainJs: string }[];
}

const USAGE = `Usage: node dist/bench/stdio-start.js [--runs N] [--cold M] [--node PATH]
  --runs N     warm starts to time (private Redis already running; default 20)
  --cold M     cold starts to time (private Redis stopped before each; default 5, 0: none)
  --node PATH  the node binary that runs the server (default: the one running this bench)
  --baseline DIR  also time the server built in checkout DIR (its dist/src/cli/main.js), in turn with this one`;

function parseSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { runs: { type: 'string' }, cold: { type: 'string' }, node: { type: 'string' }, baseline: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return undefined;
  const count = (flag: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected a whole number ≥ ${min}, got "${raw}"`);
    return n;
  };
  const mainOf = (root: string) => path.join(path.resolve(root), 'dist', 'src', 'cli', 'main.js');
  const mains = [{ label: 'this', mainJs: mainOf(packageRoot()) }];
  if (values.baseline) mains.push({ label: 'baseline', mainJs: mainOf(values.baseline) });
  return { runs: count('--runs', values.runs, 20, 1), cold: count('--cold', values.cold, 5, 0), node: values.node ?? process.execPath, mains };
}

interface Timing {
  initializeMs: number;
  firstCallMs: number;
  /** CPU the server had used when its initialize answer arrived (Linux: /proc), all threads. */
  initializeCpuMs: number | undefined;
}

// What the floor's one-line server writes: just enough of an initialize answer to pass the checks.
const FLOOR_SCRIPT = `process.stdin.once('data', () => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '${PROTOCOL_VERSION}', serverInfo: { name: '${SERVER_NAME}' } } }) + '\\n', () => process.exit(0)))`;

// spawn → the one-line server's initialize answer (then it exits: no call), and its CPU by then.
// Given the server's environment, not the bench's: Node does work at start for some variables
// (NODE_EXTRA_CA_CERTS: Node 20 parses every certificate of the file at start, four times its
// own start's instructions for a system bundle of 144), which the server, started with a few
// variables only, never pays.
function timeNodeAlone(settings: Settings, env: Record<string, string>): Promise<{ ms: number; cpuMs: number | undefined }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(settings.node, ['-e', FLOOR_SCRIPT], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let answeredMs: number | undefined;
    let cpuMs: number | undefined;
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      if (answeredMs === undefined) {
        answeredMs = performance.now() - started;
        cpuMs = processCpuMs(child.pid);
      }
      out += chunk.toString();
    });
    child.on('exit', () => {
      const answer = JSON.parse(out) as Answer;
      const info = answer.result?.serverInfo as { name?: string } | undefined;
      if (answeredMs === undefined || info?.name !== SERVER_NAME) return reject(new Error(`the floor script answered ${JSON.stringify(out)}`));
      resolve({ ms: answeredMs, cpuMs });
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize' })}\n`);
  });
}

type Answer = { id?: number; result?: Record<string, unknown>; error?: { message: string } };

// One start: spawn → initialize answered → queue_stats answered → stdin closed → exit 0.
function timeOneStart(settings: Settings, mainJs: string, env: Record<string, string>): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(settings.node, [mainJs], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let pending = '';
    let initializeMs: number | undefined;
    let initializeCpuMs: number | undefined;
    let firstCallMs: number | undefined;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}${stderr ? `\nserver stderr:\n${stderr.trim().split('\n').slice(-20).join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${RUN_TIMEOUT_MS / 1000} s`), RUN_TIMEOUT_MS);
    const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => fail(`cannot start ${settings.node}: ${err.message}`));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (initializeMs === undefined || firstCallMs === undefined) return fail(`the server exited (${signal ?? code}) before answering`);
      if (code !== 0) return fail(`the server exited with ${signal ?? code} after stdin closed`);
      resolve({ initializeMs, firstCallMs, initializeCpuMs });
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const now = performance.now();
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const answer = JSON.parse(line) as Answer;
        if (answer.id === undefined) continue; // a notification (log message, list changed)
        if (answer.error) return fail(`request ${answer.id} failed: ${answer.error.message}`);
        if (answer.id === 1) {
          const info = answer.result?.serverInfo as { name?: string } | undefined;
          check(info?.name === SERVER_NAME, `initialize answered by "${info?.name}", not ${SERVER_NAME}`);
          check(answer.result?.protocolVersion === PROTOCOL_VERSION, `initialize agreed on ${String(answer.result?.protocolVersion)}, not ${PROTOCOL_VERSION}`);
          initializeMs = now - started;
          initializeCpuMs = processCpuMs(child.pid);
          send({ method: 'notifications/initialized' });
          send({ id: 2, method: 'tools/call', params: { name: 'queue_stats', arguments: {} } });
        } else if (answer.id === 2) {
          const result = answer.result as { isError?: boolean; structuredContent?: { queues?: { queue: string }[] }; content?: { text?: string }[] };
          check(result.isError !== true, `queue_stats failed: ${result.content?.map((c) => c.text).join(' ')}`);
          const names = (result.structuredContent?.queues ?? []).map((q) => q.queue);
          // Every queue of the catalog, read from Redis: the call measured a real round trip.
          check(QUEUE_NAMES.every((q) => names.includes(q)), `queue_stats named ${JSON.stringify(names)}, not every one of ${QUEUE_NAMES.join(', ')}`);
          firstCallMs = now - started;
          child.stdin.end();
        }
      }
    });
    // Sent at once, as a desktop client does: the request waits in the pipe while Node starts.
    send({ id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'stdio-start-bench', version: '1.0.0' } } });
  });
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  if (!settings) return void process.stdout.write(`${USAGE}\n`);
  const cleanup = new Cleanup();
  try {
    // A short path: the private Redis listens on a unix socket under it (~107 bytes at most).
    const dataDir = await fs.mkdtemp('/tmp/bq-start-');
    const { socketPath } = privateRedisPaths(dataDir);
    cleanup.add('remove the data dir', () => fs.rm(dataDir, { recursive: true, force: true }));
    cleanup.add('stop the private Redis', async () => {
      if ((await pingPrivateRedis(socketPath)) !== 'down') await stopPrivateRedis(socketPath);
    });
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', BIO_QUEUE_DATA_DIR: dataDir, BIO_QUEUE_LOG_LEVEL: 'warn' };
    const version = await new Promise<string>((resolve, reject) => {
      const child = spawn(settings.node, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('exit', () => resolve(out.trim()));
    });
    progress(`server on node ${version} (${settings.node}); data dir ${dataDir}`);

    for (const { mainJs } of settings.mains) await fs.access(mainJs).catch(() => check(false, `${mainJs} does not exist: build that checkout first`));
    const cold = new Map<string, Timing[]>(settings.mains.map((m) => [m.label, []]));
    for (let i = 0; i < settings.cold; i++) {
      for (const { label, mainJs } of settings.mains) {
        if ((await pingPrivateRedis(socketPath)) !== 'down') await stopPrivateRedis(socketPath);
        const t = await timeOneStart(settings, mainJs, env);
        cold.get(label)!.push(t);
        progress(`cold ${i + 1}/${settings.cold} ${label}: initialize ${t.initializeMs.toFixed(0)} ms, queue_stats ${t.firstCallMs.toFixed(0)} ms`);
      }
    }
    // One untimed start each, so the warm runs find the private Redis running and the files in the page cache.
    for (const { mainJs } of settings.mains) await timeOneStart(settings, mainJs, env);
    check((await pingPrivateRedis(socketPath)) === 'pong', 'the private Redis is not running after a start');
    const warm = new Map<string, Timing[]>(settings.mains.map((m) => [m.label, []]));
    const floor: { ms: number; cpuMs: number | undefined }[] = [];
    for (let i = 0; i < settings.runs; i++) {
      floor.push(await timeNodeAlone(settings, env));
      // Whoever went first last time goes second now.
      const order = i % 2 === 0 ? settings.mains : [...settings.mains].reverse();
      for (const { label, mainJs } of order) {
        const t = await timeOneStart(settings, mainJs, env);
        warm.get(label)!.push(t);
        progress(`warm ${i + 1}/${settings.runs} ${label}: initialize ${t.initializeMs.toFixed(0)} ms, queue_stats ${t.firstCallMs.toFixed(0)} ms`);
      }
      progress(`node alone: ${floor.at(-1)!.ms.toFixed(0)} ms`);
    }

    const rows: Row[] = [{ label: 'node alone: spawn → initialize answered', figures: figures(floor.map((f) => f.ms)) }];
    const floorCpu = floor.map((f) => f.cpuMs).filter((v) => v !== undefined);
    if (floorCpu.length === floor.length) rows.push({ label: 'node alone: CPU ms at initialize answered', figures: figures(floorCpu) });
    const named = (label: string, text: string) => (settings.mains.length > 1 ? `${label}, ${text}` : text);
    for (const [phase, timings] of [['warm', warm], ['cold', cold]] as const) {
      for (const { label } of settings.mains) {
        const samples = timings.get(label)!;
        if (samples.length === 0) continue;
        rows.push(
          { label: named(label, `${phase}: spawn → initialize answered`), figures: figures(samples.map((t) => t.initializeMs)) },
          { label: named(label, `${phase}: spawn → queue_stats answered`), figures: figures(samples.map((t) => t.firstCallMs)) },
        );
        const cpu = samples.map((t) => t.initializeCpuMs).filter((v) => v !== undefined);
        if (cpu.length === samples.length) rows.push({ label: named(label, `${phase}: server CPU ms at initialize answered`), figures: figures(cpu) });
      }
    }
    process.stdout.write(`server: node ${version}\n\n${formatTable(rows)}\n`);
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
