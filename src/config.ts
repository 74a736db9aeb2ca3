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
    doc: 'Folder of the databases tools name (BLAST, DIAMOND, HMM libraries as <name>.hmm) and of the reference indexes cached by content (indexes/<sha256>/): make_blast_db_async and diamond_makedb_async write here. Share it between worker machines. Default: <data dir>/databases.',
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
    doc: 'Threads each tool run may use (-num_threads, -t, -@, --threads, --cpu, -w, -j as each tool spells it). Default: the number of CPUs divided by the worker concurrency, at least 1.',
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
  BIO_QUEUE_TOOL_MEMORY_MAX_BYTES: {
    schema: count(0, Number.MAX_SAFE_INTEGER).optional(),
    default: undefined,
    doc: 'Memory a job\'s tool processes may use together, in bytes (0: no limit); past it the tool is stopped and the job fails naming this limit, or runs once more with half the threads when the tool takes a thread count. Enforced by cgroup v2 memory.max where the worker has a delegated cgroup with the memory controller, else by watching the processes\' resident memory. Default: 90% of the machine\'s RAM, so a runaway tool is stopped with a clear message before the kernel\'s OOM killer picks a victim of its own.',
  },
  BIO_QUEUE_OUTPUT_MAX_BYTES: {
    schema: count(1, Number.MAX_SAFE_INTEGER).default(100 * 1024 ** 3),
    default: '107374182400',
    doc: 'Largest total size of a job\'s output files, in bytes, checked while the tool runs (each tool may allow less). 100 GiB holds a deep human genome BAM.',
  },
  BIO_QUEUE_WORK_DIR_MAX_BYTES: {
    schema: count(1, Number.MAX_SAFE_INTEGER).default(250 * 1024 ** 3),
    default: '268435456000',
    doc: 'Largest disk use of a job\'s work dir (staged inputs, outputs, temporary files such as samtools sort\'s), in bytes, checked while the tool runs. 250 GiB leaves room for a 100 GiB BAM and its sort.',
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
    doc: 'Lock duration and stalled-check interval: a running job whose worker stops renewing its lock for this long (the worker died or froze) goes back to the queue for another attempt. Locks are renewed from a thread of their own, so a worker busy on a long synchronous step keeps its jobs; lower it for faster recovery from dead workers.',
  },
  BIO_QUEUE_SPLIT_MIN_PART_LETTERS: {
    schema: count(1, Number.MAX_SAFE_INTEGER).default(100_000),
    default: '100000',
    doc: 'Split-query searches (split: "auto"): the fewest query letters (bases or residues) worth a part of their own; below it, starting a search and loading its database cost more than the part saves. A query gets one part per this many letters, up to BIO_QUEUE_SPLIT_MAX_PARTS.',
  },
  BIO_QUEUE_SPLIT_MAX_PARTS: {
    schema: count(1, 1000).default(16),
    default: '16',
    doc: 'Split-query searches (split: "auto"): the most parts a query is split into; more parts than free workers only wait in the queue.',
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
  BIO_QUEUE_INPUT_MAX_BYTES: {
    schema: count(1, Number.MAX_SAFE_INTEGER).default(64 * 1024 * 1024 * 1024),
    default: '68719476736',
    doc: 'Largest file a job may take by path (inside BIO_QUEUE_INPUT_ROOTS), in bytes, checked at submit and again on the worker; a sparse file counts at its full length. Default 64 GiB: a 30x human genome\'s FASTQ.gz; raise it for larger BAMs.',
  },
  BIO_QUEUE_ALLOW_PRIVATE_URLS: {
    schema: bool.default(false),
    default: 'false',
    doc: 'Allow http(s):// inputs and notify_url addresses on loopback, private and link-local addresses. Off so a job cannot reach into the local network.',
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
  BIO_QUEUE_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    default: '127.0.0.1',
    doc: 'Address `serve` listens on. Use 0.0.0.0 to accept other machines (behind TLS), as in docker-compose.yml. The --host flag overrides it.',
  },
  BIO_QUEUE_PORT: {
    schema: count(0, 65535).default(8000),
    default: '8000',
    doc: 'Port `serve` listens on (0: any free port). The --port flag overrides it.',
  },
  BIO_QUEUE_HTTP_PROCESSES: {
    schema: count(1, 64).default(1),
    default: '1',
    doc: 'Processes `serve` answers HTTP with. Above 1, one process listens and hands each connection to a serving process, the connections of an MCP session to the process that holds it; only the first serving process runs the embedded worker. Each serving process holds its own share of the MCP session limits, and costs its own memory (about 100 MiB). Up to the machine\'s CPUs, it raises how many requests a second `serve` answers. The --processes flag overrides it.',
  },
  BIO_QUEUE_PUBLIC_URL: {
    schema: z.string().regex(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'expected an http(s):// URL' }).optional(),
    default: undefined,
    doc: 'The address clients reach `serve` at, used in download and upload links of local storage. Default: http://<host>:<port>.',
  },
  BIO_QUEUE_ALLOWED_HOSTS: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Host header values accepted on /mcp, /sse and /messages, and on the REST API once this or BIO_QUEUE_PUBLIC_URL is set, comma-separated (DNS-rebinding protection; /health and signed /files links answer any Host). Default: localhost, 127.0.0.1, [::1] and the host of BIO_QUEUE_PUBLIC_URL.',
  },
  BIO_QUEUE_ALLOWED_ORIGINS: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Origin header values accepted wherever the Host is checked, comma-separated. Requests without an Origin (non-browser clients) are accepted. Default: the origin of BIO_QUEUE_PUBLIC_URL and http://localhost / http://127.0.0.1 on any port.',
  },
  BIO_QUEUE_API_KEYS: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'API keys of `serve`, comma-separated name:key pairs (e.g. "alice:s3cret,bob:0ther"). Each name sees only its own jobs.',
  },
  BIO_QUEUE_ADMIN_KEYS: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Admin API keys, in the form of BIO_QUEUE_API_KEYS. An admin sees and cancels every job.',
  },
  BIO_QUEUE_METRICS_TOKEN: {
    // Checked in loadConfig, whose message does not echo it as the schema's would.
    schema: z.string().optional(),
    default: undefined,
    doc: 'Bearer token that may read GET /metrics and nothing else, for Prometheus (`authorization: { credentials: ... }` in its scrape config). Admin keys read /metrics too. Unset: admin keys only.',
  },
  BIO_QUEUE_API_KEYS_FILE: {
    schema: z.string().refine((p) => path.isAbsolute(p), { message: 'expected an absolute path' }).optional(),
    default: undefined,
    doc: 'File of hashed API keys, one "name sha256-hex [admin]" per line; `bio-mcp-queue add-key NAME` creates a key and appends its hash.',
  },
  BIO_QUEUE_OAUTH_ISSUER: {
    schema: z.string().regex(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'expected an http(s):// URL' }).optional(),
    default: undefined,
    doc: 'The lab\'s OpenID provider (its issuer URL, as in the `iss` of its tokens). Set: `serve` also accepts its JWT access tokens as `Authorization: Bearer`, beside API keys, and publishes /.well-known/oauth-protected-resource for MCP clients that sign in with OAuth. Unset: API keys only.',
  },
  BIO_QUEUE_OAUTH_AUDIENCE: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Audiences (`aud`) accepted in access tokens besides this server\'s resource URLs (BIO_QUEUE_PUBLIC_URL + /mcp, and + /sse for legacy SSE clients), comma-separated, for providers that cannot mint a token for a resource URL.',
  },
  BIO_QUEUE_OAUTH_SCOPES: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Scopes advertised to MCP clients (`scopes_supported` of the metadata and `scope` of the 401 challenge), comma-separated; clients ask the provider for them when signing in. Not enforced: the audience decides who may call.',
  },
  BIO_QUEUE_OAUTH_ADMIN_CLAIM: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Access-token claim that makes its bearer an admin when it holds BIO_QUEUE_OAUTH_ADMIN_VALUE (a list containing it, or a string equal to it or with it as a space-separated word), e.g. "groups"; a name with dots is also looked up as a path ("realm_access.roles").',
  },
  BIO_QUEUE_OAUTH_ADMIN_VALUE: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'The value of BIO_QUEUE_OAUTH_ADMIN_CLAIM that makes an admin, e.g. "bioq-admins".',
  },
  BIO_QUEUE_OAUTH_CLOCK_SKEW_SECONDS: {
    schema: count(0, 600).default(30),
    default: '30',
    doc: 'Seconds of clock difference with the OpenID provider tolerated when checking a token\'s `exp` and `nbf`.',
  },
  BIO_QUEUE_SUBMIT_RATE_LIMIT: {
    schema: count(1, 1_000_000).default(60),
    default: '60',
    doc: 'Submissions each API key may make per minute over HTTP (REST and MCP); more get HTTP 429 / a rate_limited error. stdio is not limited.',
  },
  BIO_QUEUE_MCP_SESSIONS_PER_KEY: {
    schema: count(1, 100_000).default(32),
    default: '32',
    doc: 'MCP sessions (Streamable HTTP and legacy SSE together) one API key may hold open in `serve`; past it new sessions get HTTP 429. A client needs one per window or agent; an idle session costs about 12 KiB of server memory.',
  },
  BIO_QUEUE_MCP_SESSIONS_MAX: {
    schema: count(1, 1_000_000).default(500),
    default: '500',
    doc: 'MCP sessions `serve` holds open in total, for all keys (about 50 MiB at the default); past it new sessions get HTTP 429.',
  },
  BIO_QUEUE_MCP_SESSION_IDLE_SECONDS: {
    schema: seconds.default(1800),
    default: '1800',
    doc: 'An MCP session with no request open for this long is closed (its client gets 404 and starts a new one).',
  },
  BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS: {
    schema: seconds.default(60),
    default: '60',
    doc: 'When a key or the server is at its session limit, a session whose client has sent nothing for this long (and has no call running) is closed to make room, least recently used first, before anyone gets 429.',
  },
  BIO_QUEUE_MAX_BODY_BYTES: {
    schema: count(1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
    default: '4194304',
    doc: 'Largest HTTP request body `serve` reads (JSON and MCP messages), in bytes; larger gets HTTP 413. Uploads go through upload links instead.',
  },
  BIO_QUEUE_LINK_TTL_SECONDS: {
    schema: count(1, 7 * 24 * 3600).default(3600),
    default: '3600',
    doc: 'Lifetime of download and upload links (S3 presigned or locally signed), in seconds. get_job_result makes fresh links on every call.',
  },
  BIO_QUEUE_LINK_SECRET: {
    schema: z.string().min(32, { message: 'expected at least 32 characters' }).optional(),
    default: undefined,
    doc: 'Secret that signs local-storage links. Default: a random secret kept in <data dir>/link-secret (mode 0600). Set the same value on every server sharing a data dir.',
  },
  BIO_QUEUE_NOTIFY_SECRET: {
    schema: z.string().min(32, { message: 'expected at least 32 characters' }).optional(),
    default: undefined,
    doc: 'Secret that signs job notifications (the HMAC-SHA256 of the X-Bio-Queue-Signature header; see "Notifications"). Unset: submissions with a notify_url are refused. Set the same value on every server and worker.',
  },
  BIO_QUEUE_UPLOAD_MAX_BYTES: {
    schema: count(1, Number.MAX_SAFE_INTEGER).default(5 * 1024 * 1024 * 1024),
    default: '5368709120',
    doc: 'Largest file an upload link accepts, in bytes.',
  },
  BIO_QUEUE_OWNER_QUOTA_BYTES: {
    schema: count(1, Number.MAX_SAFE_INTEGER).optional(),
    default: undefined,
    doc: 'Bytes each owner (API key, or "local" for stdio) may keep in storage: result files, uploads and inputs staged for remote workers, counted until retention removes them. Past it, new submissions and uploads are refused (a running job still finishes). Unset: no quota.',
  },
  BIO_QUEUE_MAX_RUNNING_PER_OWNER: {
    schema: count(1, 100_000).optional(),
    default: undefined,
    doc: 'Tool runs one owner (API key, or "local" for stdio) may have running at once across every worker; a pipeline\'s steps and a split search\'s parts each count as one. Past it the owner\'s next job waits (its status says so) and other owners\' jobs go first, so one user\'s thousand jobs do not starve another\'s one. Set it on every worker. Unset: no cap.',
  },
  BIO_QUEUE_RATE_LIMITS: {
    schema: z
      .string()
      .transform((value, ctx) => parseRateLimits(value, ctx))
      .optional(),
    default: undefined,
    doc: 'Jobs each queue may start per time window, across every worker (BullMQ\'s limiter), comma-separated queue=max/duration entries with a duration in ms, s, m or h, e.g. "blast=10/60s,align=2/1m". Set it on every worker of the queue. Unset: no limit.',
  },
  BIO_STORAGE_BACKEND: {
    schema: z.enum(['local', 's3']).optional(),
    default: undefined,
    doc: 'Where result files, uploads and staged inputs live: "local" (the data dir) or "s3". Default: s3 when BIO_STORAGE_MINIO_ENDPOINT is set, else local.',
  },
  BIO_STORAGE_MINIO_ENDPOINT: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'S3-compatible endpoint, e.g. "localhost:9000" or "https://s3.example.org" (no scheme: http unless BIO_STORAGE_MINIO_SECURE). Unset with BIO_STORAGE_BACKEND=s3: AWS S3.',
  },
  BIO_STORAGE_MINIO_SECURE: {
    schema: bool.default(false),
    default: 'false',
    doc: 'Use https for an endpoint given without a scheme.',
  },
  BIO_STORAGE_PUBLIC_ENDPOINT: {
    schema: z.string().regex(/^https?:\/\//, { message: 'expected an http(s):// URL' }).optional(),
    default: undefined,
    doc: 'Endpoint that clients reach the store at, used to sign links, when it differs from the one the server uses (docker-compose: http://minio:9000 inside, http://localhost:9000 outside).',
  },
  BIO_STORAGE_MINIO_ACCESS_KEY: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'S3 access key id. Unset: the AWS SDK\'s default credential chain (environment, profile, instance role).',
  },
  BIO_STORAGE_MINIO_SECRET_KEY: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'S3 secret access key.',
  },
  BIO_STORAGE_BUCKET_NAME: {
    schema: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name: 3-63 lowercase letters, digits, "." or "-"' })
      .default('bio-mcp-jobs'),
    default: 'bio-mcp-jobs',
    doc: 'Bucket for results, uploads and staged inputs; created at start if missing.',
  },
  BIO_STORAGE_REGION: {
    schema: z.string().min(1).default('us-east-1'),
    default: 'us-east-1',
    doc: 'S3 region.',
  },
  BIO_STORAGE_FORCE_PATH_STYLE: {
    schema: bool.optional(),
    default: undefined,
    doc: 'Address buckets as <endpoint>/<bucket> rather than <bucket>.<endpoint>. Default: true when BIO_STORAGE_MINIO_ENDPOINT is set (MinIO needs it), false for AWS.',
  },
  BIO_STORAGE_ALLOWED_BUCKETS: {
    schema: z.string().optional(),
    default: undefined,
    doc: 'Buckets that s3://bucket/key inputs may name, comma-separated (read with the storage credentials). Default: none, so s3:// inputs are refused. The results/, uploads/ and inputs/ of BIO_STORAGE_BUCKET_NAME are never readable this way.',
  },
  BIO_QUEUE_URL: {
    schema: z.string().regex(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'expected an http(s):// URL' }).optional(),
    default: undefined,
    doc: 'The `serve` that the terminal commands (submit, status, result, cancel, jobs, queues) talk to over the REST API; the --url flag overrides it. Unset: they use the local Redis (BIO_QUEUE_REDIS_URL, or the private one) as the stdio server does.',
  },
  BIO_QUEUE_API_KEY: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'The API key those terminal commands send to BIO_QUEUE_URL (safer than the --api-key flag, which other users of the machine can see in the process list).',
  },
  BIO_QUEUE_REDIS_SERVER: {
    schema: z.string().min(1).default('redis-server'),
    default: 'redis-server',
    doc: 'The redis-server binary used for the private Redis.',
  },
} as const;

/** One queue's limiter: at most max jobs started in any durationMs (BullMQ's Worker limiter). */
export interface QueueRateLimit {
  max: number;
  durationMs: number;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// "blast=10/60s,align=2/1m": each entry checked here and named when wrong. Whether a queue exists
// is the worker's to say (worker/queue-rate-limits.ts), as for BIO_QUEUE_QUEUES: the catalog is above config.
function parseRateLimits(value: string, ctx: z.RefinementCtx): Readonly<Record<string, QueueRateLimit>> {
  const limits: Record<string, QueueRateLimit> = {};
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9]*)=(\d+)\/(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(entry);
    const max = match ? Number(match[2]) : 0;
    const durationMs = match ? Math.round(Number(match[3]) * DURATION_UNITS_MS[match[4]!]!) : 0;
    if (!match) ctx.addIssue({ code: 'custom', message: `entry "${entry}": expected queue=max/duration, e.g. "blast=10/60s" (duration in ms, s, m or h)` });
    else if (max < 1 || !Number.isSafeInteger(max)) ctx.addIssue({ code: 'custom', message: `entry "${entry}": the number of jobs must be at least 1` });
    else if (durationMs < 1) ctx.addIssue({ code: 'custom', message: `entry "${entry}": the duration must be at least 1 ms` });
    else if (limits[match[1]!]) ctx.addIssue({ code: 'custom', message: `entry "${entry}": the queue "${match[1]}" is given twice` });
    else limits[match[1]!] = Object.freeze({ max, durationMs });
  }
  return Object.freeze(limits);
}

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
  /** Per-job resource limits of the tool processes (worker/job-limits.ts enforces them). */
  limits: ResourceLimitsConfig;
  maxAttempts: number;
  retryBackoffMs: number;
  stalledMs: number;
  /** How split-query searches choose their number of parts for split: "auto". */
  split: Readonly<{ minPartLetters: number; maxParts: number }>;
  retentionMs: number;
  inlineMaxBytes: number;
  urlMaxBytes: number;
  /** Largest path input, in bytes (its length, so a sparse file counts in full). */
  inputMaxBytes: number;
  /** Bytes each owner may keep in storage; undefined: no quota. */
  ownerQuotaBytes: number | undefined;
  /** Tool runs one owner may have running at once (worker/owner-cap.ts); undefined: no cap. */
  maxRunningPerOwner: number | undefined;
  /** Per queue family: BullMQ's limiter for its workers; a queue not named has none. */
  rateLimits: Readonly<Record<string, QueueRateLimit>>;
  allowPrivateUrls: boolean;
  /** Signs job notifications (notify_url); undefined: notify_url is refused. */
  notifySecret: string | undefined;
  waitMaxSeconds: number;
  drainTimeoutMs: number;
  logLevel: string;
  redisServerBin: string;
  /** Where the terminal commands send their requests: a `serve` (REST), or undefined for the local Redis. */
  client: Readonly<{ url: string | undefined; apiKey: string | undefined }>;
  http: HttpConfig;
  storage: StorageConfig;
}

export interface ResourceLimitsConfig {
  /** Bytes of memory a job's tools may use together; undefined: no limit. */
  memoryBytes: number | undefined;
  outputBytes: number;
  workDirBytes: number;
}

export interface ApiKeyEntry {
  name: string;
  key: string;
  admin: boolean;
}

export interface HttpConfig {
  host: string;
  port: number;
  /** Processes answering HTTP (`serve --processes`); above 1, a primary hands them the connections. */
  processes: number;
  /** Set when BIO_QUEUE_PUBLIC_URL is; otherwise derived from the listening address. */
  publicUrl: string | undefined;
  allowedHosts: readonly string[] | undefined;
  allowedOrigins: readonly string[] | undefined;
  apiKeys: readonly ApiKeyEntry[];
  apiKeysFile: string | undefined;
  /** Reads /metrics and nothing else; undefined: admin keys only. */
  metricsToken: string | undefined;
  /** Set when BIO_QUEUE_OAUTH_ISSUER is: access tokens of that provider are accepted too. */
  oauth: OAuthConfig | undefined;
  submitRatePerMinute: number;
  mcpSessions: McpSessionLimits;
  maxBodyBytes: number;
  linkTtlSeconds: number;
  linkSecret: string | undefined;
  uploadMaxBytes: number;
}

/** The lab's OpenID provider, whose JWT access tokens `serve` accepts beside API keys. */
export interface OAuthConfig {
  issuer: string;
  /** Accepted besides the server's own resource URL (public URL + /mcp). */
  extraAudiences: readonly string[];
  scopes: readonly string[];
  admin: { claim: string; value: string } | undefined;
  clockSkewSeconds: number;
}

/** How many MCP sessions `serve` keeps, and when it lets idle ones go. */
export interface McpSessionLimits {
  perKey: number;
  max: number;
  idleMs: number;
  /** Idle time after which a session may be closed to make room for another. */
  pressureIdleMs: number;
}

export interface S3Settings {
  /** Full URL with scheme, or undefined for AWS. */
  endpoint: string | undefined;
  publicEndpoint: string | undefined;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  allowedBuckets: readonly string[];
}

export interface StorageConfig {
  backend: 'local' | 's3';
  s3: S3Settings;
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
  const apiKeys = [
    ...parseKeyPairs('BIO_QUEUE_API_KEYS', p.BIO_QUEUE_API_KEYS, false, problems),
    ...parseKeyPairs('BIO_QUEUE_ADMIN_KEYS', p.BIO_QUEUE_ADMIN_KEYS, true, problems),
  ];
  const names = apiKeys.map((k) => k.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) problems.push(`BIO_QUEUE_API_KEYS/BIO_QUEUE_ADMIN_KEYS: the name "${repeated[0]}" is given twice`);
  const keys = apiKeys.map((k) => k.key);
  if (keys.some((k, i) => keys.indexOf(k) !== i)) problems.push('BIO_QUEUE_API_KEYS/BIO_QUEUE_ADMIN_KEYS: two names share one key');
  const oauth = oauthConfig(p, problems);
  const metricsToken = p.BIO_QUEUE_METRICS_TOKEN;
  if (metricsToken !== undefined && (metricsToken.length < 16 || /\s/.test(metricsToken))) {
    problems.push('BIO_QUEUE_METRICS_TOKEN: expected at least 16 characters and no spaces (a secret: its value is not shown)');
  }
  if (problems.length === 0 && p.BIO_STORAGE_MINIO_ACCESS_KEY !== undefined && p.BIO_STORAGE_MINIO_SECRET_KEY === undefined) {
    problems.push('BIO_STORAGE_MINIO_SECRET_KEY: must be set when BIO_STORAGE_MINIO_ACCESS_KEY is');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = p.BIO_QUEUE_DATA_DIR ?? defaultDataDir(env);
  return Object.freeze({
    redisUrl: p.BIO_QUEUE_REDIS_URL,
    dataDir,
    dbDir: p.BIO_QUEUE_DB_DIR ?? path.join(dataDir, 'databases'),
    workRoot: path.join(dataDir, 'work'),
    resultsDir: path.join(dataDir, 'results'),
    inputRoots: Object.freeze([...(p.BIO_QUEUE_INPUT_ROOTS ?? [])]),
    embeddedWorker: p.BIO_QUEUE_EMBEDDED_WORKER,
    prefix: p.BIO_QUEUE_PREFIX,
    queues: commaList(p.BIO_QUEUE_QUEUES),
    workerConcurrency: p.BIO_QUEUE_WORKER_CONCURRENCY,
    toolThreads: p.BIO_QUEUE_TOOL_THREADS,
    softTimeLimitMs: p.BIO_QUEUE_TASK_SOFT_TIME_LIMIT * 1000,
    hardTimeLimitMs: p.BIO_QUEUE_TASK_TIME_LIMIT * 1000,
    limits: Object.freeze({
      memoryBytes: memoryLimit(p.BIO_QUEUE_TOOL_MEMORY_MAX_BYTES),
      outputBytes: p.BIO_QUEUE_OUTPUT_MAX_BYTES,
      workDirBytes: p.BIO_QUEUE_WORK_DIR_MAX_BYTES,
    }),
    maxAttempts: p.BIO_QUEUE_MAX_ATTEMPTS,
    retryBackoffMs: p.BIO_QUEUE_RETRY_BACKOFF_SECONDS * 1000,
    stalledMs: p.BIO_QUEUE_STALLED_SECONDS * 1000,
    split: Object.freeze({ minPartLetters: p.BIO_QUEUE_SPLIT_MIN_PART_LETTERS, maxParts: p.BIO_QUEUE_SPLIT_MAX_PARTS }),
    retentionMs: p.BIO_STORAGE_RETENTION_DAYS * 24 * 3600 * 1000,
    inlineMaxBytes: p.BIO_QUEUE_INLINE_MAX_BYTES,
    urlMaxBytes: p.BIO_QUEUE_URL_MAX_BYTES,
    inputMaxBytes: p.BIO_QUEUE_INPUT_MAX_BYTES,
    ownerQuotaBytes: p.BIO_QUEUE_OWNER_QUOTA_BYTES,
    maxRunningPerOwner: p.BIO_QUEUE_MAX_RUNNING_PER_OWNER,
    rateLimits: p.BIO_QUEUE_RATE_LIMITS ?? Object.freeze({}),
    allowPrivateUrls: p.BIO_QUEUE_ALLOW_PRIVATE_URLS,
    notifySecret: p.BIO_QUEUE_NOTIFY_SECRET,
    waitMaxSeconds: p.BIO_QUEUE_WAIT_MAX_SECONDS,
    drainTimeoutMs: p.BIO_QUEUE_DRAIN_TIMEOUT_SECONDS * 1000,
    logLevel: p.BIO_QUEUE_LOG_LEVEL,
    redisServerBin: p.BIO_QUEUE_REDIS_SERVER,
    client: Object.freeze({ url: p.BIO_QUEUE_URL?.replace(/\/+$/, ''), apiKey: p.BIO_QUEUE_API_KEY }),
    http: Object.freeze({
      host: p.BIO_QUEUE_HOST,
      port: p.BIO_QUEUE_PORT,
      processes: p.BIO_QUEUE_HTTP_PROCESSES,
      publicUrl: p.BIO_QUEUE_PUBLIC_URL?.replace(/\/+$/, ''),
      allowedHosts: commaList(p.BIO_QUEUE_ALLOWED_HOSTS),
      allowedOrigins: commaList(p.BIO_QUEUE_ALLOWED_ORIGINS),
      apiKeys: Object.freeze(apiKeys),
      apiKeysFile: p.BIO_QUEUE_API_KEYS_FILE,
      metricsToken: p.BIO_QUEUE_METRICS_TOKEN,
      oauth,
      submitRatePerMinute: p.BIO_QUEUE_SUBMIT_RATE_LIMIT,
      mcpSessions: Object.freeze({
        perKey: p.BIO_QUEUE_MCP_SESSIONS_PER_KEY,
        max: p.BIO_QUEUE_MCP_SESSIONS_MAX,
        idleMs: p.BIO_QUEUE_MCP_SESSION_IDLE_SECONDS * 1000,
        pressureIdleMs: p.BIO_QUEUE_MCP_SESSION_PRESSURE_IDLE_SECONDS * 1000,
      }),
      maxBodyBytes: p.BIO_QUEUE_MAX_BODY_BYTES,
      linkTtlSeconds: p.BIO_QUEUE_LINK_TTL_SECONDS,
      linkSecret: p.BIO_QUEUE_LINK_SECRET,
      uploadMaxBytes: p.BIO_QUEUE_UPLOAD_MAX_BYTES,
    }),
    storage: Object.freeze({
      backend: p.BIO_STORAGE_BACKEND ?? (p.BIO_STORAGE_MINIO_ENDPOINT ? 's3' : 'local'),
      s3: Object.freeze({
        endpoint: endpointUrl(p.BIO_STORAGE_MINIO_ENDPOINT, p.BIO_STORAGE_MINIO_SECURE),
        publicEndpoint: p.BIO_STORAGE_PUBLIC_ENDPOINT,
        accessKeyId: p.BIO_STORAGE_MINIO_ACCESS_KEY,
        secretAccessKey: p.BIO_STORAGE_MINIO_SECRET_KEY,
        bucket: p.BIO_STORAGE_BUCKET_NAME,
        region: p.BIO_STORAGE_REGION,
        forcePathStyle: p.BIO_STORAGE_FORCE_PATH_STYLE ?? p.BIO_STORAGE_MINIO_ENDPOINT !== undefined,
        allowedBuckets: Object.freeze(commaList(p.BIO_STORAGE_ALLOWED_BUCKETS) ?? []),
      }),
    }),
  });
}

// The OAuth variables go together: the others mean nothing without an issuer, and an admin claim
// needs its value (and the other way round).
function oauthConfig(p: Parsed, problems: string[]): OAuthConfig | undefined {
  const { BIO_QUEUE_OAUTH_ADMIN_CLAIM: claim, BIO_QUEUE_OAUTH_ADMIN_VALUE: value } = p;
  if ((claim === undefined) !== (value === undefined)) {
    problems.push(claim === undefined ? 'BIO_QUEUE_OAUTH_ADMIN_CLAIM: must be set when BIO_QUEUE_OAUTH_ADMIN_VALUE is' : 'BIO_QUEUE_OAUTH_ADMIN_VALUE: must be set when BIO_QUEUE_OAUTH_ADMIN_CLAIM is');
  }
  if (p.BIO_QUEUE_OAUTH_ISSUER === undefined) {
    const stray = (['BIO_QUEUE_OAUTH_AUDIENCE', 'BIO_QUEUE_OAUTH_SCOPES', 'BIO_QUEUE_OAUTH_ADMIN_CLAIM', 'BIO_QUEUE_OAUTH_ADMIN_VALUE'] as const).find((name) => p[name] !== undefined);
    if (stray) problems.push(`${stray}: needs BIO_QUEUE_OAUTH_ISSUER (the OpenID provider whose tokens it is about)`);
    return undefined;
  }
  return Object.freeze({
    // Kept as written: `iss` is compared to it exactly, and some providers end theirs with "/".
    issuer: p.BIO_QUEUE_OAUTH_ISSUER,
    extraAudiences: Object.freeze([...(commaList(p.BIO_QUEUE_OAUTH_AUDIENCE) ?? [])]),
    scopes: Object.freeze([...(commaList(p.BIO_QUEUE_OAUTH_SCOPES) ?? [])]),
    admin: claim !== undefined && value !== undefined ? Object.freeze({ claim, value }) : undefined,
    clockSkewSeconds: p.BIO_QUEUE_OAUTH_CLOCK_SKEW_SECONDS,
  });
}

// Unset: 90% of RAM; 0: no limit.
function memoryLimit(configured: number | undefined): number | undefined {
  if (configured === 0) return undefined;
  return configured ?? Math.floor(os.totalmem() * 0.9);
}

function commaList(value: string | undefined): readonly string[] | undefined {
  const items = value?.split(',').map((v) => v.trim()).filter(Boolean);
  return items && items.length > 0 ? Object.freeze(items) : undefined;
}

// "localhost:9000" (as the existing deployments write it) or a full URL.
function endpointUrl(value: string | undefined, secure: boolean): string | undefined {
  if (value === undefined) return undefined;
  return /^https?:\/\//.test(value) ? value.replace(/\/+$/, '') : `${secure ? 'https' : 'http'}://${value}`;
}

/** API key names: they become job owners and folder names of uploads. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The owner of stdio's jobs; no API key may take that name. */
export const LOCAL_OWNER = 'local';

/** Owners of OAuth callers start with it (oauth-caller.ts); no API key name may, so the two never meet. */
export const OAUTH_OWNER_PREFIX = 'oidc.';

/** Whether an API key may have this name: safe characters, not stdio's owner, not an OAuth owner's. */
export function isUsableKeyName(name: string): boolean {
  return KEY_NAME.test(name) && name !== LOCAL_OWNER && !name.toLowerCase().startsWith(OAUTH_OWNER_PREFIX);
}

// "alice:s3cret,bob:0ther": names become job owners, so they are kept to safe characters.
// Problems never echo a key.
function parseKeyPairs(variable: string, value: string | undefined, admin: boolean, problems: string[]): ApiKeyEntry[] {
  if (value === undefined) return [];
  const entries: ApiKeyEntry[] = [];
  for (const [i, pair] of value.split(',').map((v) => v.trim()).filter(Boolean).entries()) {
    const colon = pair.indexOf(':');
    const name = colon > 0 ? pair.slice(0, colon) : '';
    const key = colon > 0 ? pair.slice(colon + 1) : '';
    if (!KEY_NAME.test(name)) {
      problems.push(`${variable}: entry ${i + 1} needs the form name:key with a name of letters, digits, "_", "." or "-"`);
    } else if (key.length === 0) {
      problems.push(`${variable}: the key of "${name}" is empty`);
    } else if (name === LOCAL_OWNER) {
      problems.push(`${variable}: the name "${LOCAL_OWNER}" is kept for stdio`);
    } else if (!isUsableKeyName(name)) {
      problems.push(`${variable}: the name "${name}" starts with "${OAUTH_OWNER_PREFIX}", kept for users signed in with OAuth`);
    } else {
      entries.push({ name, key, admin });
    }
  }
  return entries;
}
