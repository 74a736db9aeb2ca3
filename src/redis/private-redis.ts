// The private Redis used when BIO_QUEUE_REDIS_URL is unset: one redis-server per data dir,
// reachable only through a unix socket the user owns, persisted with an append-only file, and
// shared by every local instance. It is daemonized and left running when the process that started
// it exits, so the next instance (an MCP client restarting the server) finds the queue intact.
// A lock file makes sure only one process starts it; the others wait until it answers.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import { BioQueueError } from '../errors.js';
import { installHint } from '../system/install-hints.js';
import { isProcessAlive } from '../system/process-alive.js';

export interface PrivateRedisPaths {
  dir: string;
  socketPath: string;
  pidFile: string;
  logFile: string;
  lockFile: string;
}

export type PingAnswer = 'pong' | 'loading' | 'down';

const START_TIMEOUT_MS = 10_000;
const STALE_LOCK_MS = 30_000;
/** Longest a waiter waits: a starter's 10 s, then a stale lock's 30 s, then another start. */
const WAIT_TIMEOUT_MS = START_TIMEOUT_MS + STALE_LOCK_MS + START_TIMEOUT_MS;
const POLL_MS = 50;
const PING_TIMEOUT_MS = 1_000;
const LOG_TAIL_LINES = 15;

// Where the private Redis of a data dir keeps its socket, pid, log and start lock.
export function privateRedisPaths(dataDir: string): PrivateRedisPaths {
  const dir = path.join(path.resolve(dataDir), 'redis');
  return {
    dir,
    socketPath: path.join(dir, 'redis.sock'),
    pidFile: path.join(dir, 'redis.pid'),
    logFile: path.join(dir, 'redis.log'),
    lockFile: path.join(dir, 'start.lock'),
  };
}

// A unix socket path must fit sun_path (108 bytes on Linux, 104 on macOS and the BSDs, with the NUL).
export function checkSocketPathLength(socketPath: string, platform: NodeJS.Platform = process.platform): void {
  const max = platform === 'linux' ? 107 : 103;
  const length = Buffer.byteLength(socketPath);
  if (length <= max) return;
  throw new ConfigError([
    `BIO_QUEUE_DATA_DIR: the private Redis socket ${socketPath} would be ${length} bytes long, over the ${max} a unix socket path may have on ${platform}; set BIO_QUEUE_DATA_DIR to a shorter folder, or set BIO_QUEUE_REDIS_URL to use a Redis of your own`,
  ]);
}

// Connects to the private Redis of dataDir, starting it first when nothing answers on its socket.
export async function ensurePrivateRedis(opts: {
  dataDir: string;
  redisServerBin: string;
  log: Logger;
}): Promise<{ socketPath: string; started: boolean }> {
  const paths = privateRedisPaths(opts.dataDir);
  checkSocketPathLength(paths.socketPath);
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  let waitingLogged = false;
  for (;;) {
    if ((await pingPrivateRedis(paths.socketPath)) === 'pong') return { socketPath: paths.socketPath, started: false };
    const token = await tryLock(paths.lockFile, opts.log);
    if (token) {
      try {
        // Another process may have finished starting it between our PING and our lock.
        if ((await pingPrivateRedis(paths.socketPath)) === 'pong') return { socketPath: paths.socketPath, started: false };
        const started = await startOrAwait(paths, opts.redisServerBin, opts.log);
        return { socketPath: paths.socketPath, started };
      } finally {
        await unlock(paths.lockFile, token);
      }
    }
    if (Date.now() > deadline) {
      throw new BioQueueError(
        'infrastructure',
        `the private Redis at ${paths.socketPath} did not answer within ${WAIT_TIMEOUT_MS / 1000} s while another process was starting it${await logTail(paths.logFile)}`,
      );
    }
    if (!waitingLogged) opts.log.debug({ socketPath: paths.socketPath }, 'waiting for another process to start the private Redis');
    waitingLogged = true;
    await sleep(POLL_MS);
  }
}

// Asks the private Redis to save and exit, and waits until it has.
export async function stopPrivateRedis(socketPath: string): Promise<void> {
  const pidFile = path.join(path.dirname(socketPath), 'redis.pid');
  const pid = await readPid(pidFile);
  const reply = await sendCommand(socketPath, 'SHUTDOWN');
  // A successful SHUTDOWN closes the connection without a reply.
  if (reply !== undefined && reply.startsWith('-')) {
    throw new BioQueueError('infrastructure', `the private Redis at ${socketPath} refused SHUTDOWN: ${reply.slice(1)}`);
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while ((await pingPrivateRedis(socketPath)) !== 'down' || (pid !== undefined && (await isProcessAlive(pid)))) {
    if (Date.now() > deadline) throw new BioQueueError('infrastructure', `the private Redis at ${socketPath} did not exit after SHUTDOWN`);
    await sleep(POLL_MS);
  }
}

// PING over the unix socket: 'loading' while Redis replays its append-only file.
export async function pingPrivateRedis(socketPath: string): Promise<PingAnswer> {
  const reply = await sendCommand(socketPath, 'PING');
  if (reply === undefined) return 'down';
  if (reply.startsWith('+PONG')) return 'pong';
  if (reply.startsWith('-LOADING')) return 'loading';
  throw new BioQueueError('infrastructure', `the private Redis at ${socketPath} answered PING with: ${reply}`);
}

// The holder of the lock starts redis-server, unless one is already running for this dir
// (loading a large append-only file, say): then it waits for that one instead.
async function startOrAwait(paths: PrivateRedisPaths, redisServerBin: string, log: Logger): Promise<boolean> {
  const running = await readPid(paths.pidFile);
  if (running !== undefined && (await isProcessAlive(running)) && (await mayBeRedis(running))) {
    log.info({ pid: running, socketPath: paths.socketPath }, 'private Redis is running but not answering yet; waiting');
    await waitForPong(paths, running);
    return false;
  }
  await fs.rm(paths.pidFile, { force: true });
  const argv = [
    '--port', '0',
    '--unixsocket', paths.socketPath,
    '--unixsocketperm', '700',
    '--dir', paths.dir,
    '--appendonly', 'yes',
    '--save', '',
    '--daemonize', 'yes',
    '--pidfile', paths.pidFile,
    '--logfile', paths.logFile,
  ];
  log.info({ bin: redisServerBin, socketPath: paths.socketPath }, 'starting the private Redis');
  // With --daemonize the command returns once the server has forked; its own errors go to the log.
  const result = await execa(redisServerBin, argv, { cwd: paths.dir, reject: false, timeout: START_TIMEOUT_MS, stdin: 'ignore', all: true });
  if ('code' in result && (result.code === 'ENOENT' || result.code === 'EACCES')) {
    const hint = installHint('redis-server');
    throw new BioQueueError(
      'tool_missing',
      `cannot start the private Redis: ${redisServerBin} ${result.code === 'ENOENT' ? 'was not found' : 'is not executable'} (BIO_QUEUE_REDIS_SERVER). ${hint}\nOr set BIO_QUEUE_REDIS_URL to use a Redis of your own.`,
      { hint },
    );
  }
  if (result.exitCode !== 0) {
    const said = (result.all ?? '').trim().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    throw new BioQueueError(
      'infrastructure',
      `redis-server exited with ${result.exitCode ?? result.signal} before starting the private Redis at ${paths.socketPath}${said ? `:\n${said}` : ''}${await logTail(paths.logFile)}`,
      { command: [redisServerBin, ...argv], exit_code: result.exitCode ?? null, signal: result.signal ?? null, stderr_tail: said },
    );
  }
  await waitForPong(paths, undefined);
  log.info({ socketPath: paths.socketPath, pid: await readPid(paths.pidFile) }, 'private Redis started');
  return true;
}

// Polls PING until it answers, failing early with the log's tail if the server process dies.
async function waitForPong(paths: PrivateRedisPaths, knownPid: number | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if ((await pingPrivateRedis(paths.socketPath)) === 'pong') return;
    const pid = knownPid ?? (await readPid(paths.pidFile));
    if (pid !== undefined && !(await isProcessAlive(pid))) {
      throw new BioQueueError('infrastructure', `redis-server (pid ${pid}) exited before the private Redis at ${paths.socketPath} answered${await logTail(paths.logFile)}`);
    }
    if (Date.now() > deadline) {
      throw new BioQueueError('infrastructure', `the private Redis at ${paths.socketPath} did not answer PING within ${START_TIMEOUT_MS / 1000} s${await logTail(paths.logFile)}`);
    }
    await sleep(POLL_MS);
  }
}

// Creates the lock file (O_EXCL) with our pid and a token; takes over a stale one. Undefined: someone else holds it.
async function tryLock(lockFile: string, log: Logger): Promise<string | undefined> {
  const token = `${process.pid}\n${randomUUID()}\n`;
  try {
    await fs.writeFile(lockFile, token, { flag: 'wx', mode: 0o600 });
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Either failing means the lock went between our attempt and now: the answer below.
  const held = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
  const stat = await fs.stat(lockFile).catch(() => undefined);
  if (held === undefined || !stat) return undefined; // released meanwhile: try again next round
  const pid = Number.parseInt(held.split('\n')[0] ?? '', 10);
  const dead = !Number.isSafeInteger(pid) || pid <= 0 || !(await isProcessAlive(pid));
  const old = Date.now() - stat.mtimeMs > STALE_LOCK_MS;
  if (!dead && !old) return undefined;
  // Move it aside rather than delete it, then check it is the one we judged stale: if another
  // process took it over in between, put theirs back.
  const aside = `${lockFile}.${process.pid}.${randomUUID()}`;
  try {
    await fs.rename(lockFile, aside);
  } catch {
    return undefined; // another process moved or removed it first: try again next round
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined); // unreadable: not the one we judged
  if (moved !== held) {
    await fs.link(aside, lockFile).catch((err: unknown) => {
      // A third process has made a new lock meanwhile: theirs stands, and the one we moved goes.
      log.debug({ err, lockFile }, 'could not put back a private Redis start lock taken over meanwhile');
    });
    await fs.rm(aside, { force: true });
    return undefined;
  }
  await fs.rm(aside, { force: true });
  log.warn({ lockFile, pid: Number.isSafeInteger(pid) ? pid : null, reason: dead ? 'owner not running' : 'older than 30 s' }, 'took over a stale private Redis start lock');
  return tryLock(lockFile, log);
}

// Removes the lock only if it is still ours (a stale takeover may have replaced it).
async function unlock(lockFile: string, token: string): Promise<void> {
  const held = await fs.readFile(lockFile, 'utf8').catch(() => undefined); // gone: nothing of ours to remove
  if (held === token) await fs.rm(lockFile, { force: true });
}

// One inline command over the socket; the first reply line, or undefined when nothing answers.
function sendCommand(socketPath: string, command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buffered = '';
    const socket = net.connect({ path: socketPath });
    const finish = (answer: string | undefined) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PING_TIMEOUT_MS, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\r\n');
      if (end >= 0) finish(buffered.slice(0, end));
    });
    socket.once('end', () => finish(buffered.length > 0 ? buffered : undefined));
  });
}

// A pid from a pid or lock file; undefined when the file is missing or holds no number.
async function readPid(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => ''); // no file: no pid, the answer
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

// A pid file left from before a reboot can name an unrelated process; where /proc shows the
// command line, only a redis-server counts. Elsewhere (macOS) a live pid is taken at its word.
async function mayBeRedis(pid: number): Promise<boolean> {
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined); // no /proc: take the pid's word
  return cmdline === undefined || cmdline.includes('redis');
}

// The end of redis-server's log, appended to an error so the cause is in the message.
async function logTail(logFile: string): Promise<string> {
  const text = await fs.readFile(logFile, 'utf8').catch(() => ''); // no log yet: nothing to append to the message
  const lines = text.split('\n').filter((line) => line.trim().length > 0).slice(-LOG_TAIL_LINES);
  return lines.length > 0 ? `; last lines of ${logFile}:\n${lines.join('\n')}` : '';
}
