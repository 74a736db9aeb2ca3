// The private Redis on a real redis-server: started once per data dir however many callers race
// for it (in this process and in others), persistent, reachable only through its unix socket.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BioQueueError } from '../../src/errors.js';
import {
  checkSocketPathLength,
  ensurePrivateRedis,
  pingPrivateRedis,
  privateRedisPaths,
  stopPrivateRedis,
} from '../../src/redis/private-redis.js';

const log = pino({ level: 'silent' });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const racer = path.join(root, 'tests/fixtures/ensure-private-redis.mjs');
const dirs: string[] = [];

// Under /tmp, not os.tmpdir(): macOS's per-user temp folder is too long for a socket path.
async function freshDataDir(): Promise<string> {
  const dir = await fs.mkdtemp('/tmp/bq-');
  dirs.push(dir);
  return dir;
}

// Live (not zombie) processes whose command line names this socket: redis-server puts
// "unixsocket:<path>" in its process title.
async function redisProcessesFor(socketPath: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (cmdline.includes('redis-server') && cmdline.includes(socketPath) && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

async function withClient<T>(socketPath: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ path: socketPath, maxRetriesPerRequest: 1, lazyConnect: true });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

async function serverPid(socketPath: string): Promise<number> {
  const info = await withClient(socketPath, (c) => c.info('server'));
  return Number(/process_id:(\d+)/.exec(info)?.[1]);
}

// One server, and it is the one its pid file names.
async function expectExactlyOneServer(dataDir: string): Promise<void> {
  const paths = privateRedisPaths(dataDir);
  const pidFromFile = Number((await fs.readFile(paths.pidFile, 'utf8')).trim());
  expect(await redisProcessesFor(paths.socketPath)).toEqual([pidFromFile]);
  expect(await serverPid(paths.socketPath)).toBe(pidFromFile);
}

afterAll(async () => {
  for (const dir of dirs) {
    const { socketPath } = privateRedisPaths(dir);
    if ((await pingPrivateRedis(socketPath)) !== 'down') await stopPrivateRedis(socketPath);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

describe('ensurePrivateRedis', () => {
  it('starts a daemonized redis-server with an append-only file, on a private unix socket only', async () => {
    const dataDir = await freshDataDir();
    const result = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
    expect(result).toEqual({ socketPath: path.join(dataDir, 'redis', 'redis.sock'), started: true });
    expect((await fs.stat(result.socketPath)).mode & 0o777).toBe(0o700);
    const config = await withClient(result.socketPath, async (c) => ({
      appendonly: await c.config('GET', 'appendonly'),
      port: await c.config('GET', 'port'),
      dir: await c.config('GET', 'dir'),
      daemonize: await c.config('GET', 'daemonize'),
    }));
    expect(config).toEqual({
      appendonly: ['appendonly', 'yes'],
      port: ['port', '0'],
      dir: ['dir', path.join(dataDir, 'redis')],
      daemonize: ['daemonize', 'yes'],
    });
    await expectExactlyOneServer(dataDir);
    await expect(fs.stat(privateRedisPaths(dataDir).lockFile)).rejects.toMatchObject({ code: 'ENOENT' });

    const again = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
    expect(again).toEqual({ socketPath: result.socketPath, started: false });
    await expectExactlyOneServer(dataDir);
  });

  it('keeps its data across a shutdown and restart', async () => {
    const dataDir = await freshDataDir();
    const { socketPath } = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
    await withClient(socketPath, (c) => c.set('bioq:test:kept', 'still here'));
    await stopPrivateRedis(socketPath);
    expect(await pingPrivateRedis(socketPath)).toBe('down');
    expect(await redisProcessesFor(socketPath)).toEqual([]);

    const restarted = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
    expect(restarted.started).toBe(true);
    expect(await withClient(socketPath, (c) => c.get('bioq:test:kept'))).toBe('still here');
  });

  it('starts one server when two calls in the same process race', async () => {
    const dataDir = await freshDataDir();
    const results = await Promise.all([
      ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log }),
      ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log }),
    ]);
    expect(results.map((r) => r.started).sort()).toEqual([false, true]);
    await expectExactlyOneServer(dataDir);
  });

  it('starts one server when two other processes and this one race', async () => {
    const built = path.join(root, 'dist/src/redis/private-redis.js');
    await expect(fs.stat(built), `${built} is missing: run npm run build first`).resolves.toBeTruthy();
    const dataDir = await freshDataDir();
    const children = [1, 2].map(() => execa(process.execPath, [racer, dataDir, 'redis-server']));
    const [own, ...finished] = await Promise.all([ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log }), ...children]);
    const all = [own, ...finished.map((child) => JSON.parse(child.stdout) as typeof own)];
    expect(all).toHaveLength(3);
    expect(all.filter((r) => r.started)).toHaveLength(1);
    expect(new Set(all.map((r) => r.socketPath))).toEqual(new Set([privateRedisPaths(dataDir).socketPath]));
    await expectExactlyOneServer(dataDir);
  });

  it('takes over a start lock whose process is gone', async () => {
    const dataDir = await freshDataDir();
    const paths = privateRedisPaths(dataDir);
    const gone = execa(process.execPath, ['-e', '']);
    await gone;
    await fs.mkdir(paths.dir, { recursive: true });
    await fs.writeFile(paths.lockFile, `${gone.pid}\n`);

    const result = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
    expect(result.started).toBe(true);
    await expect(fs.stat(paths.lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
    await expectExactlyOneServer(dataDir);
  });

  it('takes over a start lock older than 30 s even when its pid is alive', async () => {
    const dataDir = await freshDataDir();
    const paths = privateRedisPaths(dataDir);
    await fs.mkdir(paths.dir, { recursive: true });
    await fs.writeFile(paths.lockFile, `${process.pid}\n`);
    const minuteAgo = new Date(Date.now() - 60_000);
    await fs.utimes(paths.lockFile, minuteAgo, minuteAgo);

    const result = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
    expect(result.started).toBe(true);
    await expectExactlyOneServer(dataDir);
  });

  it('starts a server when a leftover pid file names a live process that is not redis-server', async () => {
    const dataDir = await freshDataDir();
    const paths = privateRedisPaths(dataDir);
    const bystander = execa(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await fs.mkdir(paths.dir, { recursive: true });
      await fs.writeFile(paths.pidFile, `${bystander.pid}\n`);
      const result = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log });
      expect(result.started).toBe(true);
      await expectExactlyOneServer(dataDir);
    } finally {
      bystander.kill();
      await bystander.catch(() => undefined);
    }
  });

  it('refuses a data dir whose socket path is too long for a unix socket', async () => {
    const dataDir = `/tmp/${'d'.repeat(100)}`;
    const socketPath = `${dataDir}/redis/redis.sock`;
    const max = process.platform === 'linux' ? 107 : 103;
    await expect(ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log })).rejects.toThrow(
      `invalid configuration:\n  BIO_QUEUE_DATA_DIR: the private Redis socket ${socketPath} would be 122 bytes long, over the ${max} a unix socket path may have on ${process.platform}; set BIO_QUEUE_DATA_DIR to a shorter folder, or set BIO_QUEUE_REDIS_URL to use a Redis of your own`,
    );
    await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('allows socket paths up to 107 bytes on Linux and 103 on macOS', () => {
    const of = (bytes: number) => `/tmp/${'s'.repeat(bytes - 5)}`;
    expect(() => checkSocketPathLength(of(107), 'linux')).not.toThrow();
    expect(() => checkSocketPathLength(of(108), 'linux')).toThrow('would be 108 bytes long, over the 107');
    expect(() => checkSocketPathLength(of(103), 'darwin')).not.toThrow();
    expect(() => checkSocketPathLength(of(104), 'darwin')).toThrow('would be 104 bytes long, over the 103');
  });

  it('says how to install redis-server when it is missing', async () => {
    const dataDir = await freshDataDir();
    const error = await ensurePrivateRedis({ dataDir, redisServerBin: '/nonexistent/redis-server', log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BioQueueError);
    expect((error as BioQueueError).code).toBe('tool_missing');
    expect((error as BioQueueError).message).toBe(
      [
        'cannot start the private Redis: /nonexistent/redis-server was not found (BIO_QUEUE_REDIS_SERVER). To install redis-server, run one of:',
        '  Debian/Ubuntu: sudo apt-get install -y redis-server',
        '  macOS:         brew install redis',
        '  conda:         conda install -c conda-forge redis',
        'Or set BIO_QUEUE_REDIS_URL to use a Redis of your own.',
      ].join('\n'),
    );
    await expect(fs.stat(privateRedisPaths(dataDir).lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('puts the end of the redis log in the error when redis-server dies while starting', async () => {
    const dataDir = await freshDataDir();
    const paths = privateRedisPaths(dataDir);
    // An append-only file redis-server cannot read (Redis 6 reads it as is, 7 migrates it first):
    // it exits while loading, after it has daemonized, so only its log says why.
    await fs.mkdir(paths.dir, { recursive: true });
    await fs.writeFile(path.join(paths.dir, 'appendonly.aof'), 'not an append-only file\n');

    const error = await ensurePrivateRedis({ dataDir, redisServerBin: 'redis-server', log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BioQueueError);
    const message = (error as BioQueueError).message;
    expect(message).toMatch(new RegExp(`^redis-server \\(pid \\d+\\) exited before the private Redis at ${paths.socketPath} answered; last lines of ${paths.logFile}:\n`));
    expect(message).toContain('Bad file format reading the append only file');
    await expect(fs.stat(paths.lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
