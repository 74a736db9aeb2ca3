// Two builds of `serve` side by side under the submission load of http-load.ts (issue 11), for a
// machine whose speed moves too much between runs to compare their rates (bench/RESULTS.md: the
// same build's CPU a request moved by a third within the hour). Both run at once, without a
// worker, on one Redis (each its own key prefix and data dir), and short slices of the same
// closed-loop load alternate between them (A B B A …), so a slow minute hits both alike. Per
// slice: serve's CPU a request (/proc, its child processes included), the Redis commands a
// request and the rate; then the median of each.
//
//   npm run build
//   git archive <commit> | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/ && (cd /tmp/old && npm run build)
//   node dist/bench/http-ab.js /tmp/old/dist/src/cli/main.js dist/src/cli/main.js [--slices 10] [--slice-seconds 3] [--clients 50] [--rest]
//
// MCP tools/call blastn_async by default, REST POST /jobs/submit with --rest. It cannot measure
// nothing: every answer must carry a job id, and at the end each build's Redis prefix must hold
// exactly the jobs it accepted.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { check, progress } from './support/bench-checks.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { runWithCleanup, type Cleanup } from './support/cleanup.js';
import { closedLoops } from './support/closed-loops.js';
import { httpBenchScratch, queuedJobs, startServeChild } from './support/http-bench-setup.js';
import { LAMBDA_MEGABLAST, LAMBDA_REST_SUBMISSION } from './support/lambda-database.js';
import { leanClient, type LeanClient } from './support/lean-http-client.js';
import { callTool, openSession } from './support/mcp-over-http.js';
import { childProcessesCpuMs, runningProcessCpuMs } from './support/proc-cpu.js';
import { redisCommandsRun } from './support/redis-command-stats.js';

const KEY = 'bench-key-0123456789abcdef';

interface Build {
  label: string;
  pid: number;
  http: LeanClient;
  sessions: string[];
  /** Submissions answered with a job id, the untimed first slice's included. */
  accepted: number;
}

interface Slice {
  cpuMsPerRequest: number;
  commandsPerRequest: number;
  perSecond: number;
}

// One submission by client `c`: undefined when it was accepted, else why not.
async function submitOnce(build: Build, c: number, rest: boolean, id: number): Promise<string | undefined> {
  if (rest) {
    const res = await build.http.request('POST', '/jobs/submit', { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, LAMBDA_REST_SUBMISSION);
    return res.status === 202 && typeof (JSON.parse(res.text) as { job_id?: unknown }).job_id === 'string' ? undefined : `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
  }
  const answer = await callTool(build.http, KEY, build.sessions[c]!, id, 'blastn_async', LAMBDA_MEGABLAST);
  if (!answer.ok) return answer.why;
  return typeof answer.value.job_id === 'string' ? undefined : `no job_id in ${JSON.stringify(answer.value).slice(0, 200)}`;
}

let rpcId = 10;

// `clients` closed loops on one build for `seconds`; what it cost.
async function slice(build: Build, stats: Redis, clients: number, seconds: number, rest: boolean): Promise<Slice> {
  const cpu = () => runningProcessCpuMs(build.pid) + childProcessesCpuMs(build.pid);
  const commands0 = await redisCommandsRun(stats);
  const cpu0 = cpu();
  const { requests, wallS } = await closedLoops(clients, seconds, async (c) => {
    const why = await submitOnce(build, c, rest, rpcId++);
    check(why === undefined, `${build.label}: a submission failed: ${why}`);
  });
  const cpuMs = cpu() - cpu0;
  // The INFO call that counts is one command of its own.
  const commands = (await redisCommandsRun(stats)) - commands0 - 1;
  build.accepted += requests;
  return { cpuMsPerRequest: cpuMs / requests, commandsPerRequest: commands / requests, perSecond: requests / wallS };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function run(cleanup: Cleanup): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { slices: { type: 'string' }, 'slice-seconds': { type: 'string' }, clients: { type: 'string' }, rest: { type: 'boolean' } },
  });
  check(positionals.length === 2, 'usage: node dist/bench/http-ab.js OLD_MAIN_JS NEW_MAIN_JS [--slices 10] [--slice-seconds 3] [--clients 50] [--rest]');
  const slices = wholeNumberFlag('slices', values.slices, 10, 1000);
  const sliceSeconds = wholeNumberFlag('slice-seconds', values['slice-seconds'], 3, 600);
  const clients = wholeNumberFlag('clients', values.clients, 50, 1000);
  const rest = values.rest === true;
  for (const mainJs of positionals) await fs.access(mainJs).catch(() => check(false, `no build at ${mainJs}`));

  const scratch = await httpBenchScratch('http-ab', cleanup);

  const builds: Build[] = [];
  for (const [i, mainJs] of positionals.entries()) {
    const label = i === 0 ? 'A' : 'B';
    const env = { BIO_QUEUE_PREFIX: `ab${label}`, BIO_QUEUE_SUBMIT_RATE_LIMIT: '1000000', BIO_QUEUE_MCP_SESSIONS_PER_KEY: String(clients + 10) };
    const { pid, base } = await startServeChild(scratch, cleanup, { label, mainJs, key: KEY, env });
    const http = leanClient(base);
    cleanup.add(`client of ${label}`, async () => http.close());
    const sessions = rest ? [] : await Promise.all(Array.from({ length: clients }, (_, n) => openSession(http, KEY, n)));
    builds.push({ label, pid, http, sessions, accepted: 0 });
  }

  progress(`${rest ? 'REST POST /jobs/submit' : 'MCP blastn_async'} from ${clients} clients: a warm-up slice each, then ${slices} slices of ${sliceSeconds} s each, A and B in turn`);
  for (const build of builds) await slice(build, scratch.stats, clients, sliceSeconds, rest);
  const results: Record<string, Slice[]> = { A: [], B: [] };
  for (let i = 0; i < slices; i++) {
    // A B, then B A: neither always goes first after a pause.
    const order = i % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) results[build.label]!.push(await slice(build, scratch.stats, clients, sliceSeconds, rest));
  }
  for (const build of builds) {
    const inRedis = await queuedJobs(build.http, KEY);
    check(inRedis === build.accepted, `${build.label}: Redis holds ${inRedis} queued jobs, but ${build.accepted} submissions were accepted`);
  }

  const row = (label: string, s: Slice[]) =>
    `| ${label} | ${median(s.map((x) => x.cpuMsPerRequest)).toFixed(3)} | ${Math.min(...s.map((x) => x.cpuMsPerRequest)).toFixed(3)}–${Math.max(...s.map((x) => x.cpuMsPerRequest)).toFixed(3)} | ${median(s.map((x) => x.commandsPerRequest)).toFixed(2)} | ${median(s.map((x) => x.perSecond)).toFixed(0)} |`;
  const a = median(results.A!.map((x) => x.cpuMsPerRequest));
  const b = median(results.B!.map((x) => x.cpuMsPerRequest));
  // B's CPU a request over A's, slice pair by slice pair: the spread says how far to trust the median.
  const ratios = results.A!.map((x, i) => results.B![i]!.cpuMsPerRequest / x.cpuMsPerRequest).sort((p, q) => p - q);
  process.stdout.write(
    [
      `bio-mcp-queue serve A/B — ${new Date().toISOString()}`,
      `command: node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`,
      `A: ${positionals[0]}`,
      `B: ${positionals[1]}`,
      `machine: ${os.cpus().length} CPUs, Node ${process.version}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      '',
      '| build | serve CPU ms a request (median) | min–max of the slices | Redis commands a request | requests/s (median) |',
      '|---|---|---|---|---|',
      row('A', results.A!),
      row('B', results.B!),
      '',
      `B/A serve CPU a request: ${(b / a).toFixed(3)} (median of the slices); slice pairs ${ratios[0]!.toFixed(3)}–${ratios[ratios.length - 1]!.toFixed(3)}, median ${median(ratios).toFixed(3)}`,
      `every submission answered with a job id; Redis holds A ${builds[0]!.accepted}, B ${builds[1]!.accepted} queued = accepted`,
      '',
    ].join('\n'),
  );
}

void runWithCleanup(run).then(() => process.exit(process.exitCode ?? 0));
