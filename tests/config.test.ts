// The environment is read once; a bad value stops the program with a message naming it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultDataDir, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const config = loadConfig({ HOME: '/home/ada' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.inputRoots).toEqual([]);
    expect(config.embeddedWorker).toBe(true);
    expect(config.allowPrivateUrls).toBe(false);
    expect(config.softTimeLimitMs).toBe(3_300_000);
    expect(config.hardTimeLimitMs).toBe(3_600_000);
    expect(config.waitMaxSeconds).toBe(50);
    expect(config.dbDir).toBe(path.join(config.dataDir, 'databases'));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable and why', () => {
    let error: unknown;
    try {
      loadConfig({
        BIO_QUEUE_REDIS_URL: 'localhost:6379',
        BIO_QUEUE_WORKER_CONCURRENCY: 'many',
        BIO_QUEUE_INPUT_ROOTS: 'relative/dir',
        BIO_QUEUE_EMBEDDED_WORKER: 'maybe',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'BIO_QUEUE_REDIS_URL: expected a redis:// or rediss:// URL (got "localhost:6379")',
      'BIO_QUEUE_INPUT_ROOTS: expected absolute paths separated by ":" (got "relative/dir")',
      'BIO_QUEUE_EMBEDDED_WORKER: expected true or false (got "maybe")',
      'BIO_QUEUE_WORKER_CONCURRENCY: expected a whole number from 1 to 64 (got "many")',
    ]);
  });

  it('refuses a hard time limit below the soft one', () => {
    expect(() => loadConfig({ BIO_QUEUE_TASK_SOFT_TIME_LIMIT: '100', BIO_QUEUE_TASK_TIME_LIMIT: '50' })).toThrow(
      'BIO_QUEUE_TASK_TIME_LIMIT: must be at least BIO_QUEUE_TASK_SOFT_TIME_LIMIT (100), got 50',
    );
  });

  it('splits input roots and queues', () => {
    const config = loadConfig({ BIO_QUEUE_INPUT_ROOTS: '/data/seq:/srv/reads', BIO_QUEUE_QUEUES: 'blast, ' });
    expect(config.inputRoots).toEqual(['/data/seq', '/srv/reads']);
    expect(config.queues).toEqual(['blast']);
  });

  it('puts the data dir where each platform keeps per-user data', () => {
    expect(defaultDataDir({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/bio-mcp-queue');
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/ada')).toBe('/xdg/bio-mcp-queue');
    expect(defaultDataDir({}, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/bio-mcp-queue');
  });
});
