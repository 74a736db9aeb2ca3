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

describe('loadConfig: the HTTP server and storage', () => {
  it('listens on loopback with local storage and no keys by default', () => {
    const config = loadConfig({ HOME: '/home/ada' });
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.http.port).toBe(8000);
    expect(config.http.apiKeys).toEqual([]);
    expect(config.storage.backend).toBe('local');
    expect(config.storage.s3.allowedBuckets).toEqual([]); // s3:// inputs off until buckets are named
  });

  it('caps MCP sessions per key and in total, and reads the idle times in seconds', () => {
    expect(loadConfig({ HOME: '/home/ada' }).http.mcpSessions).toEqual({ perKey: 32, max: 500, idleMs: 1_800_000, pressureIdleMs: 60_000 });
    const set = loadConfig({ BIO_QUEUE_MCP_SESSIONS_PER_KEY: '4', BIO_QUEUE_MCP_SESSIONS_MAX: '40', BIO_QUEUE_MCP_SESSION_IDLE_SECONDS: '600', BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: '0.5' });
    expect(set.http.mcpSessions).toEqual({ perKey: 4, max: 40, idleMs: 600_000, pressureIdleMs: 500 });
    expect(() => loadConfig({ BIO_QUEUE_MCP_SESSIONS_PER_KEY: '0' })).toThrow('BIO_QUEUE_MCP_SESSIONS_PER_KEY: expected a whole number from 1 to 100000 (got "0")');
    expect(() => loadConfig({ BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: '-1' })).toThrow('BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: expected a number of seconds greater than 0 (got "-1")');
  });

  it('reads name:key pairs, admins apart, as the existing deployments write them', () => {
    const config = loadConfig({ BIO_QUEUE_API_KEYS: 'alice:s3cret, bob:0ther', BIO_QUEUE_ADMIN_KEYS: 'root:k:with:colons' });
    expect(config.http.apiKeys).toEqual([
      { name: 'alice', key: 's3cret', admin: false },
      { name: 'bob', key: '0ther', admin: false },
      { name: 'root', key: 'k:with:colons', admin: true },
    ]);
  });

  it('refuses malformed, repeated or shared keys without echoing any key', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ BIO_QUEUE_API_KEYS: 'no-colon-secret' })).toMatch(/BIO_QUEUE_API_KEYS: entry 1 needs the form name:key/);
    expect(problems({ BIO_QUEUE_API_KEYS: 'alice:' })).toMatch(/key of "alice" is empty/);
    expect(problems({ BIO_QUEUE_API_KEYS: 'a/b:secret1' })).toMatch(/entry 1 needs the form/);
    expect(problems({ BIO_QUEUE_API_KEYS: 'alice:one1', BIO_QUEUE_ADMIN_KEYS: 'alice:two2' })).toMatch(/"alice" is given twice/);
    expect(problems({ BIO_QUEUE_API_KEYS: 'alice:same,bob:same' })).toMatch(/two names share one key/);
    expect(problems({ BIO_QUEUE_API_KEYS: 'local:secret1' })).toMatch(/"local" is kept for stdio/);
    expect(problems({ BIO_QUEUE_API_KEYS: 'no-colon-secret,alice:same,bob:same' })).not.toMatch(/same|secret/);
  });

  it('takes a scrape token for /metrics, refusing a short one without echoing it', () => {
    expect(loadConfig({}).http.metricsToken).toBeUndefined();
    expect(loadConfig({ BIO_QUEUE_METRICS_TOKEN: 'abcdefghijklmnop' }).http.metricsToken).toBe('abcdefghijklmnop');
    for (const token of ['tooshort', 'sixteen chars or more']) {
      expect(() => loadConfig({ BIO_QUEUE_METRICS_TOKEN: token })).toThrow('BIO_QUEUE_METRICS_TOKEN: expected at least 16 characters and no spaces (a secret: its value is not shown)');
      try {
        loadConfig({ BIO_QUEUE_METRICS_TOKEN: token });
      } catch (err) {
        expect((err as ConfigError).message).not.toContain(token);
      }
    }
  });

  it('turns a MinIO endpoint written as host:port into a URL and switches to S3 with path-style addressing', () => {
    const config = loadConfig({ BIO_STORAGE_MINIO_ENDPOINT: 'localhost:9000', BIO_STORAGE_MINIO_ACCESS_KEY: 'minioadmin', BIO_STORAGE_MINIO_SECRET_KEY: 'minioadmin' });
    expect(config.storage.backend).toBe('s3');
    expect(config.storage.s3.endpoint).toBe('http://localhost:9000');
    expect(config.storage.s3.forcePathStyle).toBe(true);
    expect(loadConfig({ BIO_STORAGE_MINIO_ENDPOINT: 's3.example.org', BIO_STORAGE_MINIO_SECURE: 'true' }).storage.s3.endpoint).toBe('https://s3.example.org');
    const aws = loadConfig({ BIO_STORAGE_BACKEND: 's3' });
    expect(aws.storage.s3.endpoint).toBeUndefined();
    expect(aws.storage.s3.forcePathStyle).toBe(false);
  });

  it('refuses a bucket name S3 would refuse, and an access key without its secret', () => {
    expect(() => loadConfig({ BIO_STORAGE_BUCKET_NAME: 'Bio_Jobs' })).toThrow(/BIO_STORAGE_BUCKET_NAME: expected an S3 bucket name/);
    expect(() => loadConfig({ BIO_STORAGE_MINIO_ACCESS_KEY: 'minioadmin' })).toThrow(/BIO_STORAGE_MINIO_SECRET_KEY: must be set/);
  });
});

describe('loadConfig: fairness between owners and queues', () => {
  it('has no cap of running jobs and no rate limits by default', () => {
    const config = loadConfig({ HOME: '/home/ada' });
    expect(config.maxRunningPerOwner).toBeUndefined();
    expect(config.rateLimits).toEqual({});
  });

  it('reads the cap and each queue\'s limit, with its unit', () => {
    const config = loadConfig({ BIO_QUEUE_MAX_RUNNING_PER_OWNER: '4', BIO_QUEUE_RATE_LIMITS: 'blast=10/60s, align=2/1.5m,qc=3/500ms,hmm=1/1h' });
    expect(config.maxRunningPerOwner).toBe(4);
    expect(config.rateLimits).toEqual({
      blast: { max: 10, durationMs: 60_000 },
      align: { max: 2, durationMs: 90_000 },
      qc: { max: 3, durationMs: 500 },
      hmm: { max: 1, durationMs: 3_600_000 },
    });
  });

  it('names each bad entry of BIO_QUEUE_RATE_LIMITS, and a cap below 1', () => {
    let error: unknown;
    try {
      loadConfig({ BIO_QUEUE_MAX_RUNNING_PER_OWNER: '0', BIO_QUEUE_RATE_LIMITS: 'blast=10/60s,align=ten/1m,qc=0/1s,blast=1/1h' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'BIO_QUEUE_MAX_RUNNING_PER_OWNER: expected a whole number from 1 to 100000 (got "0")',
      'BIO_QUEUE_RATE_LIMITS: entry "align=ten/1m": expected queue=max/duration, e.g. "blast=10/60s" (duration in ms, s, m or h); ' +
        'entry "qc=0/1s": the number of jobs must be at least 1; entry "blast=1/1h": the queue "blast" is given twice (got "blast=10/60s,align=ten/1m,qc=0/1s,blast=1/1h")',
    ]);
  });
});
