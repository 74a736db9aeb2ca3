// The system under test, as a lab would run it: a redis-server with its append-only file, some
// `serve` processes and some `worker` processes of the built dist, each a real child process
// with its log (JSON lines) in a file of its own. The fault injector kills and restarts them
// through here; everything started is registered with the Cleanup, so nothing outlives the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cleanup } from '../support/cleanup.js';
import { freePort, startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';

export interface ClusterOptions {
  root: string;
  mainJs: string;
  /** Environment shared by every serve and worker (Redis URL excepted: the cluster sets it). */
  env: Record<string, string>;
  serveEnv: Record<string, string>;
  workerEnv: Record<string, string>;
  queues: readonly string[];
  concurrency: number;
  cleanup: Cleanup;
}

export interface Member {
  role: 'serve' | 'worker';
  slot: number;
  pid: number;
  logFile: string;
  /** serve only. */
  port: number | undefined;
  child: ChildProcess;
  exited: Promise<void>;
}

// Every acknowledged write must survive a restart: fsync before Redis answers, not once a second
// (a clean SHUTDOWN flushes either way, but a crash would lose the last second with everysec).
const REDIS_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ChaosCluster {
  redis!: ThrowawayRedis;
  readonly serves: Member[] = [];
  readonly workers: Member[] = [];
  /** Every pid this cluster started, for the orphan scan to tell ours from the tools'. */
  readonly ownPids = new Set<number>();
  private generation = 0;
  private readonly redisDir: string;
  private readonly logDir: string;

  constructor(private readonly options: ClusterOptions) {
    this.redisDir = path.join(options.root, 'redis');
    this.logDir = path.join(options.root, 'logs');
  }

  get logFiles(): Promise<string[]> {
    return fs.readdir(this.logDir).then((names) => names.map((n) => path.join(this.logDir, n)));
  }

  async startRedis(port?: number): Promise<void> {
    this.redis = await startThrowawayRedis(this.redisDir, { args: REDIS_ARGS, ...(port === undefined ? {} : { port }) });
    this.ownPids.add(this.redis.pid);
    const redis = this.redis;
    this.options.cleanup.add('redis-server', () => redis.stop(), redis.pid);
  }

  /** SHUTDOWN (SIGTERM) and a start on the same port from the same AOF; returns how long Redis was away. */
  async restartRedis(): Promise<number> {
    const old = this.redis;
    const t = performance.now();
    await old.stop();
    this.options.cleanup.released(old.pid);
    await this.startRedis(old.port);
    return performance.now() - t;
  }

  private env(extra: Record<string, string>): Record<string, string> {
    return { PATH: process.env.PATH ?? '', HOME: this.options.root, ...this.options.env, BIO_QUEUE_REDIS_URL: this.redis.url, ...extra };
  }

  private spawnMember(role: Member['role'], slot: number, args: string[], env: Record<string, string>, port?: number): Member {
    const logFile = path.join(this.logDir, `${role}-${slot}-g${++this.generation}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [this.options.mainJs, ...args], { env, stdio: ['ignore', 'ignore', fd], cwd: this.options.root });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${role} ${slot}`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const member: Member = { role, slot, pid: child.pid, logFile, port, child, exited };
    this.ownPids.add(child.pid);
    this.options.cleanup.add(`${role} ${slot} (pid ${child.pid})`, () => this.stopMember(member), child.pid);
    return member;
  }

  async startServe(slot: number, port?: number): Promise<Member> {
    await fs.mkdir(this.logDir, { recursive: true });
    const listen = port ?? (await freePort());
    const member = this.spawnMember('serve', slot, ['serve', '--port', String(listen)], this.env(this.options.serveEnv), listen);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${listen}/health`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (member.child.exitCode !== null || Date.now() > deadline) throw new Error(`serve ${slot} did not answer /health (log: ${member.logFile})`);
      await sleep(50);
    }
    this.serves[slot] = member;
    return member;
  }

  async startWorker(slot: number): Promise<Member> {
    await fs.mkdir(this.logDir, { recursive: true });
    const args = ['worker', '--queues', this.options.queues.join(','), '--concurrency', String(this.options.concurrency)];
    const member = this.spawnMember('worker', slot, args, this.env(this.options.workerEnv));
    // Ready once it says so: it has reaped dead workers' folders and listens on its queues.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const log = await fs.readFile(member.logFile, 'utf8').catch(() => '');
      if (log.includes('"msg":"worker ready"')) break;
      if (member.child.exitCode !== null || Date.now() > deadline) throw new Error(`worker ${slot} did not get ready (log: ${member.logFile})`);
      await sleep(50);
    }
    this.workers[slot] = member;
    return member;
  }

  async kill(member: Member): Promise<void> {
    if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill('SIGKILL');
    await member.exited;
    this.options.cleanup.released(member.pid);
  }

  /** Where a worker process keeps its jobs' work dirs (worker/worker-work-root.ts names them). */
  workerFolderPrefix(workRoot: string, pid: number): string {
    return path.join(workRoot, `${os.hostname()}.${pid}.`);
  }

  /** SIGTERM (a worker drains, serve closes), SIGKILL if it takes longer than 20 s. */
  async stopMember(member: Member): Promise<void> {
    if (member.child.exitCode !== null || member.child.signalCode !== null) return;
    member.child.kill('SIGTERM');
    const timer = setTimeout(() => member.child.kill('SIGKILL'), 20_000);
    await member.exited;
    clearTimeout(timer);
    this.options.cleanup.released(member.pid);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.workers, ...this.serves].map((m) => this.stopMember(m)));
    await this.redis.stop();
    this.options.cleanup.released(this.redis.pid);
  }
}
