// A redis-server of a benchmark's or test run's own: a free loopback port (or a given one, to
// restart a server where it was), no persistence unless asked, its files in a temp dir. Readiness is checked with INFO's process_id, so a Redis that already listens on the
// machine can never be mistaken for ours.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export interface ThrowawayRedis {
  host: string;
  port: number;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// The process_id the server on this port reports, or undefined while it cannot answer.
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (pid: number | undefined) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.startsWith('-')) return done(undefined); // -LOADING and the like
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]));
    });
  });
}

export interface ThrowawayRedisOptions {
  /** Listen here instead of on a free port (to restart a server where it was). */
  port?: number;
  /** More redis-server arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
}

async function startOnce(dir: string, options: ThrowawayRedisOptions): Promise<ThrowawayRedis | { retry: string }> {
  const port = options.port ?? (await freePort());
  const logFile = path.join(dir, `redis-${port}.log`);
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile, ...(options.args ?? [])],
    { stdio: 'ignore' },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`cannot start redis-server (${err.message}); install it: apt-get install -y redis-server`)));
  });
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      // Most likely someone took the port between freePort() and the bind: try another one.
      return { retry: `redis-server exited with ${child.exitCode}: ${(await fs.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' / ')}` };
    }
    const answered = await serverPid(port);
    if (answered === pid) return { host: '127.0.0.1', port, url: `redis://127.0.0.1:${port}`, pid, stop };
    if (answered !== undefined) {
      await stop();
      return { retry: `port ${port} is answered by another Redis (pid ${answered})` };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`redis-server on port ${port} did not answer within 10 s; log: ${logFile}`);
}

export async function startThrowawayRedis(dir: string, options: ThrowawayRedisOptions = {}): Promise<ThrowawayRedis> {
  await fs.mkdir(dir, { recursive: true });
  const problems: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await startOnce(dir, options);
    if (!('retry' in started)) return started;
    problems.push(started.retry);
  }
  throw new Error(`could not start a throwaway redis-server:\n  ${problems.join('\n  ')}`);
}
