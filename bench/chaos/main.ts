// The chaos suite (issue 8): a whole installation on this machine — redis-server with its AOF,
// `serve` processes, `worker` processes, all of the built dist — and several users submitting
// small real jobs over REST while workers, servers and Redis are killed under them. It prints
// what happened to every submission and what was left behind, and exits 1 unless nothing
// acknowledged was lost, nothing ran to a result twice, no tool outlived its worker and no file
// outlived its job.
//
//   npm run bench:chaos                                    # the full run, about ten minutes
//   npm run build && node dist/bench/chaos/main.js --small # the test suite's run, about a minute
//   … [--jobs N] [--worker-kills N] [--workers N] [--seed N] [--deadline-seconds N] [--keep]
//
// Figures go to stdout (Markdown, then one line "CHAOS-FIGURES {json}"); progress and the
// faults as they strike go to stderr.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/package-info.js';
import { Cleanup } from '../support/cleanup.js';
import { auditLeftovers, auditLogs, auditProcesses, auditRedis } from './audit.js';
import { ChaosCluster } from './cluster.js';
import { runClients } from './clients.js';
import { tailCompletions } from './completion-events.js';
import { injectFaults, planFaults, type FaultLog } from './faults.js';
import { buildOracle } from './oracle.js';
import { killProcessesUnder } from './proc-scan.js';
import { seededRandom } from './random.js';
import { assess } from './report.js';
import { RestClient } from './rest-client.js';
import { ISSUE_SCALE, parseSettings, type ChaosSettings } from './settings.js';
import { BLAST_DATABASE, loadTemplates, planSubmissions, type JobKind } from './workload.js';

const QUEUES = ['blast', 'qc', 'align'];
const PREFIX = 'chaos';
const say = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(settings: ChaosSettings, cleanup: Cleanup): Promise<boolean> {
  const startedAt = new Date();
  const repo = packageRoot();
  const fixtures = path.join(repo, 'fixtures');
  const mainJs = path.join(repo, 'dist', 'src', 'cli', 'main.js');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-chaos-'));
  cleanup.add('temp dir', () => (settings.keep ? Promise.resolve(say(`kept ${root}`)) : fs.rm(root, { recursive: true, force: true })));
  // Last resort, after the cluster has stopped: whatever still runs under the temp dir (tools of
  // killed workers) is killed, so the run leaves nothing behind even when it fails.
  cleanup.add('stray processes', () => killProcessesUnder(root));
  const dataDir = path.join(root, 'data');
  const dbDir = path.join(root, 'databases');
  const runId = randomBytes(4).toString('hex');
  const random = seededRandom(settings.seed);

  await fs.mkdir(dbDir, { recursive: true });
  await execa('makeblastdb', ['-in', path.join(fixtures, 'lambda_virus.fa'), '-dbtype', 'nucl', '-out', path.join(dbDir, BLAST_DATABASE), '-title', BLAST_DATABASE]);
  const templates = await loadTemplates(fixtures, path.join(root, 'scratch'));
  // The tools by hand while the installation starts.
  const oracleBuilt = buildOracle(templates, dbDir, path.join(root, 'scratch'));
  oracleBuilt.catch(() => undefined); // awaited below; a failure there is the run's
  const owners = Array.from({ length: settings.keys }, (_v, i) => `user${i + 1}`);
  const keys = new Map(owners.map((o) => [o, `chaos-${o}-${randomBytes(16).toString('hex')}`]));
  const plan = planSubmissions(templates, { jobs: settings.jobs, slowShare: settings.slowShare, owners, runId, random });

  const cluster = new ChaosCluster({
    root,
    mainJs,
    env: {
      BIO_QUEUE_DATA_DIR: dataDir,
      BIO_QUEUE_DB_DIR: dbDir,
      BIO_QUEUE_INPUT_ROOTS: fixtures,
      BIO_QUEUE_PREFIX: PREFIX,
      // Both servers sign and verify each other's download links.
      BIO_QUEUE_LINK_SECRET: randomBytes(24).toString('hex'),
    },
    serveEnv: {
      BIO_QUEUE_EMBEDDED_WORKER: 'false',
      BIO_QUEUE_API_KEYS: [...keys].map(([o, k]) => `${o}:${k}`).join(','),
      BIO_QUEUE_SUBMIT_RATE_LIMIT: '1000000',
      BIO_QUEUE_LOG_LEVEL: 'warn',
    },
    workerEnv: {
      // info: the "result published" line of the attempt whose result stands is the audit's.
      BIO_QUEUE_LOG_LEVEL: 'info',
      BIO_QUEUE_STALLED_SECONDS: String(settings.stalledSeconds),
      BIO_QUEUE_RETRY_BACKOFF_SECONDS: '1',
      BIO_QUEUE_DRAIN_TIMEOUT_SECONDS: '5',
      BIO_QUEUE_TOOL_THREADS: '1',
    },
    queues: QUEUES,
    concurrency: settings.concurrency,
    cleanup,
  });
  await cluster.startRedis();
  await Promise.all([
    ...Array.from({ length: settings.serves }, (_v, i) => cluster.startServe(i)),
    ...Array.from({ length: settings.workers }, (_v, i) => cluster.startWorker(i)),
  ]);
  const { oracle, byHandRuns } = await oracleBuilt;
  say(`up: redis-server (pid ${cluster.redis.pid}, appendonly, appendfsync always), ${settings.serves} serve, ${settings.workers} workers × ${settings.concurrency}; ${settings.jobs} submissions from ${settings.keys} keys; seed ${settings.seed}`);

  const tail = tailCompletions(cluster.redis.url, PREFIX, QUEUES);
  const deadline = Date.now() + settings.deadlineMs;
  const bases = () => cluster.serves.map((s) => `http://127.0.0.1:${s.port}`);
  const users = new Map(owners.map((o) => [o, { key: keys.get(o)!, client: new RestClient(bases, deadline) }]));
  let finished = () => 0;
  const faults = injectFaults(planFaults(settings, random), {
    cluster,
    workRoot: path.join(dataDir, 'work'),
    random,
    graceMs: settings.orphanGraceMs,
    progress: () => finished() / settings.jobs,
    deadline,
    say,
  });
  // Submissions run at most the lanes in flight plus 5 % of the run ahead of the next fault, so
  // there is work queued and running whenever one strikes, to the last.
  const lead = (settings.keys * settings.lanesPerKey) / settings.jobs + 0.05;
  const mayStart = async (index: number) => {
    while (index / settings.jobs > faults.nextAt() + lead && Date.now() < deadline) await sleep(100);
  };
  const clients = runClients({ plan, users, lanesPerKey: settings.lanesPerKey, oracle, deadline, mayStart });
  finished = clients.finished;
  const ticker = setInterval(() => say(`${clients.finished()}/${settings.jobs} submissions finished`), 15_000);
  let faultLog: FaultLog;
  try {
    [, faultLog] = await Promise.all([clients.done, faults.log]);
  } finally {
    clearInterval(ticker);
  }
  const clientSeconds = (Date.now() - (deadline - settings.deadlineMs)) / 1000;
  say(`every submission has its outcome after ${clientSeconds.toFixed(0)} s; auditing`);

  // Every job has ended: what is still running or stored now was left behind.
  await sleep(1000);
  const tally = await tail.stop();
  const redis = await auditRedis(cluster.redis.url, PREFIX, runId);
  const liveFolders = new Set<string>();
  for (const name of await fs.readdir(path.join(dataDir, 'work')).catch(() => [] as string[])) {
    if (cluster.workers.some((w) => w.child.exitCode === null && path.join(dataDir, 'work', name).startsWith(cluster.workerFolderPrefix(path.join(dataDir, 'work'), w.pid)))) liveFolders.add(name);
  }
  const finalOrphans = await auditProcesses(dataDir, cluster.ownPids, redis.jobs, liveFolders);
  const leftovers = await auditLeftovers(dataDir, redis.jobs, liveFolders);
  await cluster.stopAll();
  // A worker that stopped cleanly removes its folder: anything in the work root now stayed.
  for (const name of await fs.readdir(path.join(dataDir, 'work')).catch(() => [] as string[])) {
    if (liveFolders.has(name)) leftovers.push({ area: 'work', path: `work/${name} (still there after its worker stopped)` });
  }
  const logs = await auditLogs(await cluster.logFiles);

  const users0 = [...users.values()];
  const retries = users0.reduce((sum, u) => ({ c: sum.c + u.client.retries.connection, s: sum.s + u.client.retries.serverError, r: sum.r + u.client.retries.rateLimited }), { c: 0, s: 0, r: 0 });
  const idempotency = users0.some((u) => u.client.idempotency === 'supported') ? 'supported' : users0.some((u) => u.client.idempotency === 'unsupported') ? 'unsupported' : 'unknown';
  const mix = new Map<JobKind, number>();
  for (const p of plan) mix.set(p.kind, (mix.get(p.kind) ?? 0) + 1);
  const findings = assess({ settings, records: clients.records, redis, logs, tally, faults: faultLog, finalOrphans, leftovers });
  const f = findings.figures;
  const atIssueScale = f.submitted >= ISSUE_SCALE.jobs && f.workerKills >= ISSUE_SCALE.workerKills && f.serveKills >= ISSUE_SCALE.serveKills && f.redisRestarts >= ISSUE_SCALE.redisRestarts;

  const out = [
    `bio-mcp-queue chaos (${settings.scale}) — ${startedAt.toISOString()}, seed ${settings.seed}`,
    `command: node ${path.relative(process.cwd(), process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim(),
    `temp dir: ${root} (${settings.keep ? 'kept' : 'removed at the end'})`,
    `machine: ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `system: redis-server with appendonly yes, appendfsync always; ${settings.serves} serve (REST, local storage, signed links) and ${settings.workers} worker processes × concurrency ${settings.concurrency} on queues ${QUEUES.join(', ')} (dist); stalled after ${settings.stalledSeconds} s`,
    `workload: ${settings.jobs} submissions from ${settings.keys} API keys, ${settings.lanesPerKey} in flight per key: ${[...mix].map(([k, n]) => `${k} ${n}`).join(', ')}; expected outputs from ${byHandRuns} runs of the tools by hand`,
    `faults: ${faultLog.workerKills.length} worker SIGKILLs (${faultLog.workerKills.filter((k) => k.hit === 'slow tool').length} during the slow blastn, ${faultLog.workerKills.filter((k) => k.hit === 'tool').length} during another tool), ${faultLog.serveKills.length} serve SIGKILLs, ${faultLog.redisRestarts.length} Redis restarts (${faultLog.redisRestarts.map((r) => `${r.downMs.toFixed(0)} ms`).join(', ') || '—'} away)${faultLog.skipped.length ? `; skipped at the deadline: ${faultLog.skipped.join(', ')}` : ''}`,
    `clients: ${clientSeconds.toFixed(0)} s until every submission had its outcome; retried ${retries.c} connection errors, ${retries.s} 5xx answers, ${retries.r} 429s; idempotency_key: ${idempotency === 'unsupported' ? 'not accepted by this server (400 naming the field): submissions were retried without it' : idempotency}`,
    `completion events read: ${tally.read} of ${tally.added} added to the queues' streams`,
    '',
    ...findings.lines,
    `issue 8 scale (≥ ${ISSUE_SCALE.jobs} jobs, ≥ ${ISSUE_SCALE.workerKills} worker kills, ${ISSUE_SCALE.serveKills} serve kills, ${ISSUE_SCALE.redisRestarts} Redis restart): ${atIssueScale ? 'reached' : 'not reached (smaller run)'}`,
    findings.failures.length === 0 ? 'verdict: PASS' : `verdict: FAIL — ${findings.failures.join('; ')}`,
    '',
    `CHAOS-FIGURES ${JSON.stringify({ ...f, pass: findings.failures.length === 0, failures: findings.failures, idempotency, atIssueScale })}`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  return findings.failures.length === 0;
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const settings = parseSettings(process.argv.slice(2), process.env);
    process.exitCode = (await run(settings, cleanup)) ? 0 : 1;
  } catch (err) {
    process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  } finally {
    await cleanup.run();
  }
}

void main();
