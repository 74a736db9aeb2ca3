// The whole environment, read once with zod and handed down as a frozen object.
// process.env is read nowhere else; each option has one doc line and one default here,
// and the README's configuration table is generated from this schema.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const seconds = z.coerce
  .number({ message: 'expected a number of seconds' })
  .positive({ message: 'expected a number of seconds greater than 0' });

const count = (min: number, max: number) =>
  z.coerce
    .number({ message: `expected a whole number from ${min} to ${max}` })
    .int({ message: `expected a whole number from ${min} to ${max}` })
    .min(min, { message: `expected a whole number from ${min} to ${max}` })
    .max(max, { message: `expected a whole number from ${min} to ${max}` });

const pathList = z
  .string()
  .transform((v) => v.split(path.delimiter).map((p) => p.trim()).filter((p) => p.length > 0))
  .refine((list) => list.every((p) => path.isAbsolute(p)), {
    message: `expected absolute paths separated by "${path.delimiter}"`,
  });

/** Each entry: the variable, its schema, its default (as the user would write it) and one doc line. */
export const configVariables = {
  BIO_QUEUE_REDIS_URL: {
    schema: z
      .string()
      .regex(/^rediss?:\/\//, { message: 'expected a redis:// or rediss:// URL' })
      .optional(),
    default: undefined,
    doc: 'Redis to use. Unset: a private redis-server is started (unix socket under the data dir) and shared by every local instance.',
  },
  BIO_QUEUE_DATA_DIR: {
    schema: z.string().refine((p) => path.isAbsolute(p), { message: 'expected an absolute path' }).optional(),
    default: undefined,
    doc: 'Where the private Redis, job work dirs, result files and databases live. Default: $XDG_DATA_HOME/bio-mcp-queue (~/.local/share/bio-mcp-queue; ~/Library/Application Support/bio-mcp-queue on macOS).',
  },
  BIO_QUEUE_DB_DIR: {
    schema: z.string().refine((p) => path.isAbsolute(p), { message: 'expected an absolute path' }).optional(),
    default: undefined,
    doc: 'Folder of BLAST databases: searched by name, and where make_blast_db_async writes. Default: <data dir>/databases.',
  },
  BIO_QUEUE_INPUT_ROOTS: {
    schema: pathList.optional(),
    default: undefined,
    doc: 'Folders whose files may be given as inputs by path, separated by ":". Unset: no local paths are accepted (inline FASTA and URLs still are).',
  },
  BIO_QUEUE_EMBEDDED_WORKER: {
    schema: bool.default(true),
    default: 'true',
    doc: 'Run a worker inside the stdio MCP server process, so one command does everything.',
  },
  BIO_QUEUE_PREFIX: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, { message: 'expected 1-32 letters, digits, "_" or "-"' })
      .default('bioq'),
    default: 'bioq',
    doc: 'Prefix of every Redis key, so several installations can share one Redis.',
  },
  BIO_QUEUE_QUEUES: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Queues a worker takes jobs from, comma-separated (e.g. "blast"). Default: every queue in the catalog. The --queues flag overrides it.',
  },
  BIO_QUEUE_WORKER_CONCURRENCY: {
    schema: count(1, 64).default(1),
    default: '1',
    doc: 'Jobs one worker process runs at the same time. The --concurrency flag overrides it.',
  },
  BIO_QUEUE_TOOL_THREADS: {
    schema: count(1, 256).optional(),
    default: undefined,
    doc: 'Threads each tool run may use (BLAST -num_threads). Default: the number of CPUs divided by the worker concurrency, at least 1.',
  },
  BIO_QUEUE_TASK_SOFT_TIME_LIMIT: {
    schema: seconds.default(3300),
    default: '3300',
    doc: 'Seconds a job may run before its tool gets SIGTERM and the job fails as timed out.',
  },
  BIO_QUEUE_TASK_TIME_LIMIT: {
    schema: seconds.default(3600),
    default: '3600',
    doc: 'Seconds after which a job that is still running (having ignored SIGTERM) gets SIGKILL. Must be at least the soft limit.',
  },
  BIO_QUEUE_MAX_ATTEMPTS: {
    schema: count(1, 20).default(3),
    default: '3',
    doc: 'Attempts for a job whose failure is the infrastructure\'s (lost worker, Redis or disk trouble). Input and tool errors never retry.',
  },
  BIO_QUEUE_RETRY_BACKOFF_SECONDS: {
    schema: seconds.default(5),
    default: '5',
    doc: 'First delay before an infrastructure retry; it doubles with each attempt.',
  },
  BIO_QUEUE_STALLED_SECONDS: {
    schema: seconds.default(30),
    default: '30',
    doc: 'A running job whose worker stops renewing its lock for this long (the worker died) goes back to the queue for another attempt.',
  },
  BIO_STORAGE_RETENTION_DAYS: {
    schema: z.coerce.number({ message: 'expected a number of days' }).positive({ message: 'expected a number of days greater than 0' }).default(7),
    default: '7',
    doc: 'Days completed, failed and cancelled jobs and their result files are kept before they are removed.',
  },
  BIO_QUEUE_INLINE_MAX_BYTES: {
    schema: count(1, 64 * 1024 * 1024).default(1024 * 1024),
    default: '1048576',
    doc: 'Largest inline FASTA text a tool call may carry, in bytes. Larger inputs: give a path or URL.',
  },
  BIO_QUEUE_URL_MAX_BYTES: {
    schema: count(1, Number.MAX_SAFE_INTEGER).default(2 * 1024 * 1024 * 1024),
    default: '2147483648',
    doc: 'Largest file a worker downloads for an http(s):// input, in bytes.',
  },
  BIO_QUEUE_ALLOW_PRIVATE_URLS: {
    schema: bool.default(false),
    default: 'false',
    doc: 'Allow http(s):// inputs on loopback, private and link-local addresses. Off so a job cannot reach into the local network.',
  },
  BIO_QUEUE_WAIT_MAX_SECONDS: {
    schema: count(1, 3600).default(50),
    default: '50',
    doc: 'Longest wait_for_job may block. Desktop clients cut calls off at about 60 s, so keep it below that.',
  },
  BIO_QUEUE_DRAIN_TIMEOUT_SECONDS: {
    schema: seconds.default(60),
    default: '60',
    doc: 'On SIGTERM a worker stops taking jobs and lets running ones finish for this long; what is still running then goes back to the queue.',
  },
  BIO_QUEUE_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    default: 'info',
    doc: 'Log level (logs are JSON lines on stderr; stdout carries only MCP).',
  },
  BIO_QUEUE_REDIS_SERVER: {
    schema: z.string().min(1).default('redis-server'),
    default: 'redis-server',
    doc: 'The redis-server binary used for the private Redis.',
  },
} as const;

type Vars = typeof configVariables;
type Parsed = { [K in keyof Vars]: z.output<Vars[K]['schema']> };

export interface Config {
  redisUrl: string | undefined;
  dataDir: string;
  dbDir: string;
  workRoot: string;
  resultsDir: string;
  inputRoots: readonly string[];
  embeddedWorker: boolean;
  prefix: string;
  queues: readonly string[] | undefined;
  workerConcurrency: number;
  toolThreads: number | undefined;
  softTimeLimitMs: number;
  hardTimeLimitMs: number;
  maxAttempts: number;
  retryBackoffMs: number;
  stalledMs: number;
  retentionMs: number;
  inlineMaxBytes: number;
  urlMaxBytes: number;
  allowPrivateUrls: boolean;
  waitMaxSeconds: number;
  drainTimeoutMs: number;
  logLevel: string;
  redisServerBin: string;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// The per-user data folder that desktop apps use on each platform.
export function defaultDataDir(env: NodeJS.ProcessEnv, platform = process.platform, home = os.homedir()): string {
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'bio-mcp-queue');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'bio-mcp-queue');
  const xdg = env.XDG_DATA_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share'), 'bio-mcp-queue');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const parsed: Partial<Record<keyof Vars, unknown>> = {};
  for (const [name, spec] of Object.entries(configVariables) as [keyof Vars, Vars[keyof Vars]][]) {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? undefined : raw;
    const result = (spec.schema as z.ZodType).safeParse(value);
    if (result.success) parsed[name] = result.data;
    else problems.push(`${name}: ${result.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(raw)})`);
  }
  const p = parsed as Parsed;
  if (problems.length === 0 && p.BIO_QUEUE_TASK_TIME_LIMIT < p.BIO_QUEUE_TASK_SOFT_TIME_LIMIT) {
    problems.push(
      `BIO_QUEUE_TASK_TIME_LIMIT: must be at least BIO_QUEUE_TASK_SOFT_TIME_LIMIT (${p.BIO_QUEUE_TASK_SOFT_TIME_LIMIT}), got ${p.BIO_QUEUE_TASK_TIME_LIMIT}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = p.BIO_QUEUE_DATA_DIR ?? defaultDataDir(env);
  const queues = p.BIO_QUEUE_QUEUES?.split(',').map((q) => q.trim()).filter(Boolean);
  return Object.freeze({
    redisUrl: p.BIO_QUEUE_REDIS_URL,
    dataDir,
    dbDir: p.BIO_QUEUE_DB_DIR ?? path.join(dataDir, 'databases'),
    workRoot: path.join(dataDir, 'work'),
    resultsDir: path.join(dataDir, 'results'),
    inputRoots: Object.freeze([...(p.BIO_QUEUE_INPUT_ROOTS ?? [])]),
    embeddedWorker: p.BIO_QUEUE_EMBEDDED_WORKER,
    prefix: p.BIO_QUEUE_PREFIX,
    queues: queues && queues.length > 0 ? Object.freeze(queues) : undefined,
    workerConcurrency: p.BIO_QUEUE_WORKER_CONCURRENCY,
    toolThreads: p.BIO_QUEUE_TOOL_THREADS,
    softTimeLimitMs: p.BIO_QUEUE_TASK_SOFT_TIME_LIMIT * 1000,
    hardTimeLimitMs: p.BIO_QUEUE_TASK_TIME_LIMIT * 1000,
    maxAttempts: p.BIO_QUEUE_MAX_ATTEMPTS,
    retryBackoffMs: p.BIO_QUEUE_RETRY_BACKOFF_SECONDS * 1000,
    stalledMs: p.BIO_QUEUE_STALLED_SECONDS * 1000,
    retentionMs: p.BIO_STORAGE_RETENTION_DAYS * 24 * 3600 * 1000,
    inlineMaxBytes: p.BIO_QUEUE_INLINE_MAX_BYTES,
    urlMaxBytes: p.BIO_QUEUE_URL_MAX_BYTES,
    allowPrivateUrls: p.BIO_QUEUE_ALLOW_PRIVATE_URLS,
    waitMaxSeconds: p.BIO_QUEUE_WAIT_MAX_SECONDS,
    drainTimeoutMs: p.BIO_QUEUE_DRAIN_TIMEOUT_SECONDS * 1000,
    logLevel: p.BIO_QUEUE_LOG_LEVEL,
    redisServerBin: p.BIO_QUEUE_REDIS_SERVER,
  });
}
