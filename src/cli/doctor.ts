// `bio-mcp-queue doctor`: one table that says whether this machine can run jobs (Redis, each
// tool binary, the databases, the data dir, the input roots) and, when something is missing,
// exactly what to run. The catalog is a parameter so the check covers whatever tools are listed.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { listDatabaseCatalog } from '../databases/database-catalog.js';
import { checkSocketPathLength, pingPrivateRedis, privateRedisPaths } from '../redis/private-redis.js';
import { probeBinary } from '../system/probe-binary.js';
import { createLogger } from '../logger.js';
import type { DatabaseKind, InstallPackages } from '../../tools/define-tool.js';
import { openResultStore } from '../storage/open-result-store.js';

/** A binary to look for: the catalog's BinarySpec, or redis-server. */
export interface DoctorBinary {
  name: string;
  versionArgs: readonly string[];
  versionPattern: RegExp;
  install?: InstallPackages;
}

/** A check's verdict, or for a database listed under the check, its type or kind. */
type Status = 'ok' | 'MISSING' | 'FAILED' | (string & {});
type Row = [check: string, status: Status, detail: string];
interface Report {
  rows: Row[];
  /** What to do about each problem, printed under the table. */
  fixes: string[];
}

const REDIS_PING_TIMEOUT_MS = 3_000;

// Prints the checks to `out`; 0 when everything needed is there, 1 otherwise (then with the fixes).
export async function runDoctor(config: Config, out: NodeJS.WritableStream, binaries: readonly DoctorBinary[], kinds: readonly DatabaseKind[] = []): Promise<number> {
  const report: Report = { rows: [], fixes: [] };
  await checkRedis(config, report);
  await checkBinaries(binaries, report);
  await checkDatabases(config.dbDir, kinds, report);
  await checkDataDir(config.dataDir, report);
  await checkStorage(config, report);
  await checkInputRoots(config.inputRoots, report);
  out.write(`bio-mcp-queue doctor\n\n${formatTable([['CHECK', 'STATUS' as Status, 'DETAIL'], ...report.rows])}\n`);
  if (report.fixes.length === 0) {
    out.write('\nEverything needed is in place.\n');
    return 0;
  }
  const n = report.fixes.length;
  out.write(`\n${n} problem${n === 1 ? '' : 's'}. To fix:\n\n${report.fixes.join('\n\n')}\n`);
  return 1;
}

// The configured Redis must answer; without one, the private redis-server must be installable.
async function checkRedis(config: Config, report: Report): Promise<void> {
  if (config.redisUrl) {
    const shown = redactUrl(config.redisUrl);
    const answer = await pingUrl(config.redisUrl);
    if (answer.ok) {
      report.rows.push(['redis', 'ok', `${shown} answers PING (Redis ${answer.version})`]);
    } else {
      report.rows.push(['redis', 'FAILED', `${shown}: ${answer.error}`]);
      report.fixes.push(`redis: start the Redis at ${shown}, fix BIO_QUEUE_REDIS_URL, or unset it to use a private redis-server.`);
    }
    return;
  }
  const { socketPath } = privateRedisPaths(config.dataDir);
  try {
    checkSocketPathLength(socketPath);
    const state = await pingPrivateRedis(socketPath);
    const detail = state === 'pong' ? 'running' : state === 'loading' ? 'running, loading its data' : 'not running; started on first use';
    report.rows.push(['redis', 'ok', `private, ${detail} (${socketPath})`]);
  } catch (err) {
    report.rows.push(['redis', 'FAILED', `private (${socketPath}): ${(err as Error).message}`]);
    report.fixes.push(`redis: ${(err as Error).message}`);
  }
  await checkBinaries([{ name: config.redisServerBin, versionArgs: ['--version'], versionPattern: /\bv=(\S+)/ }], report);
}

// Each distinct binary: its path and version, or how to install it.
async function checkBinaries(binaries: readonly DoctorBinary[], report: Report): Promise<void> {
  const seen = new Set<string>();
  for (const { name: binary, versionArgs, versionPattern, install } of binaries) {
    if (seen.has(binary)) continue;
    seen.add(binary);
    const probe = await probeBinary(binary, versionArgs, versionPattern, { install });
    if (probe.found) {
      report.rows.push([binary, 'ok', `${probe.version}  ${probe.path}`]);
    } else {
      report.rows.push([binary, 'MISSING', 'not found on PATH']);
      report.fixes.push(probe.hint);
    }
  }
}

// Lists the databases and cached indexes; none yet is fine (jobs build them), an unreadable folder is not.
async function checkDatabases(dbDir: string, kinds: readonly DatabaseKind[], report: Report): Promise<void> {
  try {
    const { databases, indexes } = await listDatabaseCatalog(dbDir, kinds);
    report.rows.push(['databases', 'ok', databases.length === 0 ? `none yet in ${dbDir}` : `${databases.length} in ${dbDir}`]);
    for (const db of databases) {
      const counts =
        db.sequences === undefined
          ? `${db.size_bytes.toLocaleString('en-US')} bytes`
          : `${db.sequences.toLocaleString('en-US')} sequence${db.sequences === 1 ? '' : 's'}, ${db.letters!.toLocaleString('en-US')} letters`;
      report.rows.push([`  ${db.name}`, db.dbtype ?? db.kind, `${counts}; ${db.title}`]);
    }
    const bytes = indexes.reduce((n, i) => n + i.size_bytes, 0);
    report.rows.push(['indexes', 'ok', indexes.length === 0 ? 'none cached yet (built by the first job on each reference)' : `${indexes.length} cached, ${bytes.toLocaleString('en-US')} bytes`]);
  } catch (err) {
    report.rows.push(['databases', 'FAILED', `${dbDir}: ${(err as Error).message}`]);
    report.fixes.push(`databases: make ${dbDir} readable, or set BIO_QUEUE_DB_DIR to another folder.`);
  }
}

// The data dir must exist and be writable, or be creatable inside a writable parent.
async function checkDataDir(dataDir: string, report: Report): Promise<void> {
  let existing = dataDir;
  while (!(await isDirectory(existing)) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const writable = await fs.access(existing, constants.W_OK).then(() => true, () => false); // refused is the answer
  const detail = existing === dataDir ? `${dataDir} (exists, ${writable ? 'writable' : 'NOT writable'})` : `${dataDir} (created on first use in ${existing}, ${writable ? 'writable' : 'NOT writable'})`;
  report.rows.push(['data dir', writable ? 'ok' : 'FAILED', detail]);
  if (!writable) report.fixes.push(`data dir: make ${existing} writable, or set BIO_QUEUE_DATA_DIR to a folder you can write.`);
}

// S3 storage must answer and hold (or be able to create) its bucket; local storage is the data dir.
async function checkStorage(config: Config, report: Report): Promise<void> {
  if (config.storage.backend === 'local') {
    report.rows.push(['storage', 'ok', `local: result files under ${config.resultsDir}`]);
    return;
  }
  const { endpoint, bucket } = config.storage.s3;
  const where = `s3://${bucket} at ${endpoint ?? 'AWS S3'}`;
  try {
    const store = await openResultStore(config, createLogger('silent'));
    await store.check();
    report.rows.push(['storage', 'ok', `${where} (bucket ready)`]);
  } catch (err) {
    report.rows.push(['storage', 'FAILED', `${where}: ${(err as Error).message}`]);
    report.fixes.push('storage: start the S3 store or fix BIO_STORAGE_MINIO_ENDPOINT, BIO_STORAGE_MINIO_ACCESS_KEY, BIO_STORAGE_MINIO_SECRET_KEY and BIO_STORAGE_BUCKET_NAME.');
  }
}

// Each input root must be a readable folder; none at all is a valid choice.
async function checkInputRoots(roots: readonly string[], report: Report): Promise<void> {
  if (roots.length === 0) {
    report.rows.push(['input roots', 'ok', 'none: inputs are inline FASTA or URLs (set BIO_QUEUE_INPUT_ROOTS to allow local files)']);
    return;
  }
  for (const root of roots) {
    // Refused access is the answer, reported in the row below.
    const readable = (await isDirectory(root)) && (await fs.access(root, constants.R_OK | constants.X_OK).then(() => true, () => false));
    report.rows.push(['input root', readable ? 'ok' : 'MISSING', readable ? root : `${root} (not a readable folder)`]);
    if (!readable) report.fixes.push(`input root: create ${root} or remove it from BIO_QUEUE_INPUT_ROOTS.`);
  }
}

// PING a Redis URL once, without ioredis's reconnect loop, and read its version (the terminal commands check theirs with it too).
export async function pingUrl(url: string): Promise<{ ok: true; version: string } | { ok: false; error: string }> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: REDIS_PING_TIMEOUT_MS,
    commandTimeout: REDIS_PING_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // reported through the rejected promise below
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return { ok: true, version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    client.disconnect();
  }
}

// Never print a password from the URL.
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

// Missing and unreadable both mean "not a folder we can use".
async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

// Left-aligned columns, two spaces apart.
function formatTable(rows: readonly Row[]): string {
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  return rows.map(([a, b, c]) => `${a.padEnd(widths[0] ?? 0)}  ${b.padEnd(widths[1] ?? 0)}  ${c}`.trimEnd()).join('\n');
}
