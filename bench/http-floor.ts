// What a submission over HTTP costs a server written by hand, beside `serve` (issue 11): the floor
// under bench/http-load.ts's figures. One run, the same closed-loop load (50 clients, keep-alive,
// the same body) against each server in turn, for a few rounds:
//   node:http            read the JSON body, answer 202: HTTP alone
//   node:http + BullMQ   the same, and queue.add with the body's priority: a hand-written submission server
//   express + BullMQ     the same handler in express 5 (express.json, res.status(202).json)
//   serve, REST          POST /jobs/submit
//   serve, MCP           tools/call blastn_async in a Streamable HTTP session
// Per server: submissions a second and its CPU a submission (/proc, user + system). It cannot
// measure nothing: every answer must be a 202 (or a tool result) with a job id, and each queue
// must hold exactly the jobs its server accepted.
//
//   npm run build && node dist/bench/http-floor.js [--seconds 8] [--rounds 2] [--clients 50]
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { check, progress } from './support/bench-checks.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { runWithCleanup, type Cleanup } from './support/cleanup.js';
import { closedLoops } from './support/closed-loops.js';
import { httpBenchScratch, queuedJobs, startServeChild } from './support/http-bench-setup.js';
import { LAMBDA_MEGABLAST, LAMBDA_REST_SUBMISSION } from './support/lambda-database.js';
import { leanClient } from './support/lean-http-client.js';
import { callTool, openSession } from './support/mcp-over-http.js';
import { runningProcessCpuMs } from './support/proc-cpu.js';
import { freePort } from './support/throwaway-redis.js';

const KEY = 'bench-key-0123456789abcdef';
const HAND_WRITTEN = ['node:http', 'node:http + BullMQ', 'express + BullMQ'] as const;
type HandWritten = (typeof HAND_WRITTEN)[number];

// ---- the hand-written servers, each run as a child process of this file ----

// Each hand-written server's queue, on the one Redis.
const queueName = (kind: HandWritten) => (kind === 'express + BullMQ' ? 'by-hand-express' : 'by-hand-node');

async function serveByHand(kind: HandWritten, port: number, redisUrl: string): Promise<void> {
  const queue = kind === 'node:http' ? undefined : new Queue(queueName(kind), { connection: new Redis(redisUrl, { maxRetriesPerRequest: 3 }) });
  const submit = async (body: { parameters: unknown; priority: number }): Promise<string> => {
    if (!queue) return 'none';
    const job = await queue.add('blastn', body.parameters, { priority: body.priority });
    return job.id!;
  };
  let server: http.Server;
  if (kind === 'express + BullMQ') {
    const app = express();
    app.use(express.json());
    app.post('/jobs/submit', async (req, res) => {
      res.status(202).json({ job_id: await submit(req.body as { parameters: unknown; priority: number }), status: 'queued' });
    });
    server = http.createServer(app);
  } else {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void submit(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { parameters: unknown; priority: number }).then((jobId) => {
          const answer = JSON.stringify({ job_id: jobId, status: 'queued' });
          res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) }).end(answer);
        });
      });
    });
  }
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.send!('listening');
}

// ---- the load ----

interface Target {
  label: string;
  pid: number;
  /** One submission by client `c`: its job id. */
  submit(c: number): Promise<string>;
  /** Jobs its queue holds now. */
  queued(): Promise<number>;
  accepted: number;
}

interface Round {
  perSecond: number;
  cpuMsPerRequest: number;
}

async function load(target: Target, clients: number, seconds: number): Promise<Round> {
  const cpu0 = runningProcessCpuMs(target.pid);
  const { requests, wallS } = await closedLoops(clients, seconds, async (c) => {
    const jobId = await target.submit(c);
    check(jobId.length > 0, `${target.label}: an answer without a job id`);
  });
  target.accepted += requests;
  return { perSecond: requests / wallS, cpuMsPerRequest: (runningProcessCpuMs(target.pid) - cpu0) / requests };
}

async function handWrittenTarget(kind: HandWritten, redisUrl: string, cleanup: Cleanup): Promise<Target> {
  const port = await freePort();
  const child = fork(new URL(import.meta.url), ['--serve', kind, '--port', String(port), '--redis', redisUrl], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  cleanup.add(kind, async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }, child.pid);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${kind} exited (${code}) before listening`)));
  });
  const client = leanClient(`http://127.0.0.1:${port}`);
  cleanup.add(`client of ${kind}`, async () => client.close());
  const counter = new Redis(redisUrl);
  cleanup.add(`counter of ${kind}`, async () => counter.disconnect());
  return {
    label: kind,
    pid: child.pid!,
    accepted: 0,
    async submit() {
      const res = await client.request('POST', '/jobs/submit', { 'Content-Type': 'application/json' }, LAMBDA_REST_SUBMISSION);
      check(res.status === 202, `${kind} answered ${res.status}: ${res.text.slice(0, 200)}`);
      return (JSON.parse(res.text) as { job_id: string }).job_id;
    },
    // BullMQ keeps a prioritized job in its prioritized set; the plain server queues nothing.
    queued: async () => (kind === 'node:http' ? 0 : counter.zcard(`bull:${queueName(kind)}:prioritized`)),
  };
}

async function run(cleanup: Cleanup): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { seconds: { type: 'string' }, rounds: { type: 'string' }, clients: { type: 'string' } } });
  const seconds = wholeNumberFlag('seconds', values.seconds, 8, 600);
  const rounds = wholeNumberFlag('rounds', values.rounds, 2, 100);
  const clients = wholeNumberFlag('clients', values.clients, 50, 1000);
  const scratch = await httpBenchScratch('http-floor', cleanup);

  const targets: Target[] = [];
  for (const kind of HAND_WRITTEN) targets.push(await handWrittenTarget(kind, scratch.redis.url, cleanup));
  const env = { BIO_QUEUE_PREFIX: 'serve', BIO_QUEUE_SUBMIT_RATE_LIMIT: '1000000', BIO_QUEUE_MCP_SESSIONS_PER_KEY: String(clients + 10) };
  const serve = await startServeChild(scratch, cleanup, { label: 'serve', mainJs: path.resolve('dist/src/cli/main.js'), key: KEY, env });
  const serveHttp = leanClient(serve.base);
  cleanup.add('client of serve', async () => serveHttp.close());
  const sessions = await Promise.all(Array.from({ length: clients }, (_, n) => openSession(serveHttp, KEY, n)));
  let rpcId = 10;
  // Both of serve's doors queue into the one prefix: their counts are checked together.
  const serveTargets: Target[] = [
    {
      label: 'serve, REST',
      pid: serve.pid,
      accepted: 0,
      async submit() {
        const res = await serveHttp.request('POST', '/jobs/submit', { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, LAMBDA_REST_SUBMISSION);
        check(res.status === 202, `serve answered ${res.status}: ${res.text.slice(0, 200)}`);
        return (JSON.parse(res.text) as { job_id: string }).job_id;
      },
      queued: () => queuedJobs(serveHttp, KEY),
    },
    {
      label: 'serve, MCP',
      pid: serve.pid,
      accepted: 0,
      async submit(c) {
        const answer = await callTool(serveHttp, KEY, sessions[c]!, rpcId++, 'blastn_async', LAMBDA_MEGABLAST);
        check(answer.ok, `serve MCP: ${answer.ok ? '' : answer.why}`);
        return String(answer.value.job_id ?? '');
      },
      queued: () => queuedJobs(serveHttp, KEY),
    },
  ];
  targets.push(...serveTargets);

  progress(`${targets.length} servers, ${clients} clients, a warm-up of 2 s each, then ${rounds} rounds of ${seconds} s each, the servers in turn`);
  for (const target of targets) await load(target, clients, 2);
  const results = new Map<string, Round[]>(targets.map((t) => [t.label, []]));
  for (let round = 0; round < rounds; round++) {
    // Forwards, then backwards: no server always follows the same one.
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) results.get(target.label)!.push(await load(target, clients, seconds));
  }
  for (const target of targets.slice(0, HAND_WRITTEN.length)) {
    const queued = await target.queued();
    check(target.label === 'node:http' || queued === target.accepted, `${target.label}: its queue holds ${queued} jobs, but it accepted ${target.accepted}`);
  }
  const serveQueued = await serveTargets[0]!.queued();
  const serveAccepted = serveTargets[0]!.accepted + serveTargets[1]!.accepted;
  check(serveQueued === serveAccepted, `serve: its queues hold ${serveQueued} jobs, but it accepted ${serveAccepted}`);

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const floor = mean(results.get('node:http + BullMQ')!.map((r) => r.cpuMsPerRequest));
  const rows = targets.map((t) => {
    const rs = results.get(t.label)!;
    const cpu = mean(rs.map((r) => r.cpuMsPerRequest));
    return `| ${t.label} | ${mean(rs.map((r) => r.perSecond)).toFixed(0)} | ${cpu.toFixed(3)} | ${rs.map((r) => r.cpuMsPerRequest.toFixed(3)).join(', ')} | ${(cpu / floor).toFixed(2)}× |`;
  });
  process.stdout.write(
    [
      `bio-mcp-queue: HTTP submissions against hand-written servers — ${new Date().toISOString()}`,
      `command: node dist/bench/http-floor.js ${process.argv.slice(2).join(' ')}`.trim(),
      `machine: ${os.cpus().length} CPUs, Node ${process.version}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `load: ${clients} closed-loop clients (node:http, keep-alive) in this process, beside the servers and one redis-server; ${rounds} rounds of ${seconds} s, the servers in turn; serve without a worker, local storage`,
      '',
      '| server | submissions/s (mean) | server CPU ms a submission (mean) | each round | × node:http + BullMQ |',
      '|---|---|---|---|---|',
      ...rows,
      '',
      `every answer carried a job id; each queue holds exactly the jobs its server accepted (serve: ${serveAccepted})`,
      '',
    ].join('\n'),
  );
}

const { values: role } = parseArgs({ args: process.argv.slice(2), strict: false, options: { serve: { type: 'string' }, port: { type: 'string' }, redis: { type: 'string' } } });
if (typeof role.serve === 'string') {
  await serveByHand(role.serve as HandWritten, Number(role.port), String(role.redis));
} else {
  await runWithCleanup(run);
}
