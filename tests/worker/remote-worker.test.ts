// A lab deployment in small: the server takes a remote caller's job whose query is a path on
// the server, copies it into S3 at submit, and a worker in a process of its own (its own data
// dir and work dir root, no input roots, sharing only Redis, S3 and the database folder) runs
// it. The server's copy of the query is deleted before the worker starts, so the worker can
// only have read the input from storage; the worker removes the staged copy once the job ends. The result, fetched through its presigned link, is
// byte for byte what blastn gives when run by hand.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import type { Caller } from '../../src/jobs/caller.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { FIXTURES, REPO, testEnv } from '../support/harness.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const ALICE: Caller = { owner: 'alice', admin: false, remote: true };
const BUCKET = 'remote-jobs';
const main = path.join(REPO, 'dist/src/cli/main.js');

let s3: S3Server;
let runtime: Runtime;
let config: Config;
let serverDataDir: string;
let inputsDir: string;
let dbDir: string;
let workerDataDir: string;
let serverEnv: Record<string, string>;
let worker: ResultPromise | undefined;

beforeAll(async () => {
  await expect(fs.stat(main), `${main} is missing: run npm run build first`).resolves.toBeTruthy();
  s3 = await startS3Server();
  const made = await testEnv({ ...s3.env(BUCKET), BIO_QUEUE_EMBEDDED_WORKER: 'false' });
  serverDataDir = made.dataDir;
  inputsDir = made.inputsDir;
  // The one thing both machines share besides Redis and S3: the folder of BLAST databases.
  dbDir = await fs.mkdtemp(path.join(path.dirname(serverDataDir), 'bioq-remote-db-'));
  await execa('makeblastdb', ['-in', path.join(FIXTURES, 'lambda_virus.fa'), '-dbtype', 'nucl', '-out', path.join(dbDir, 'lambda'), '-title', 'lambda']);
  serverEnv = { ...made.env, BIO_QUEUE_DB_DIR: dbDir };
  config = loadConfig(serverEnv);
  runtime = await startRuntime(config, createLogger('silent'), { embeddedWorker: false });
  workerDataDir = await fs.mkdtemp(path.join(path.dirname(serverDataDir), 'bioq-remote-worker-'));
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
    await worker.catch(() => undefined);
  }
  await runtime?.close();
  await s3?.remove();
  for (const dir of [serverDataDir, workerDataDir, dbDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
});

it('runs a remote caller\'s blastn on a worker that never sees the server\'s files', async () => {
  expect(runtime.store.kind).toBe('s3');
  expect(runtime.worker).toBeUndefined(); // the child below is the only worker on this queue prefix
  const query = path.join(inputsDir, 'query.fa');
  await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), query);

  const submitted = await runtime.jobs.submit('blastn', { query, database: 'lambda' }, { priority: 5, caller: ALICE });
  // The input went into storage at submit; the server's copy goes away before any worker runs.
  const stagedKey = `inputs/${submitted.job_id}/query`;
  await expect(runtime.store.findExternal(BUCKET, stagedKey)).resolves.toEqual({ size: (await fs.stat(query)).size });
  await fs.rm(query);
  expect((await runtime.jobs.status(submitted.job_id, ALICE)).status).toBe('queued');

  // The worker: same Redis, prefix, S3 and databases; its own data dir; no input roots; and
  // none of this process's environment.
  worker = execa(process.execPath, [main, 'worker', '--queues', 'blast'], {
    extendEnv: false,
    env: {
      PATH: process.env.PATH,
      HOME: workerDataDir,
      BIO_QUEUE_REDIS_URL: serverEnv.BIO_QUEUE_REDIS_URL,
      BIO_QUEUE_PREFIX: serverEnv.BIO_QUEUE_PREFIX,
      BIO_QUEUE_DATA_DIR: workerDataDir,
      BIO_QUEUE_DB_DIR: dbDir,
      BIO_QUEUE_TOOL_THREADS: '1',
      BIO_QUEUE_LOG_LEVEL: 'warn',
      ...s3.env(BUCKET),
    },
    reject: false,
  });

  let done;
  do done = await runtime.jobs.wait(submitted.job_id, ALICE, 20);
  while (done.timed_out);
  expect(done.status).toMatchObject({ status: 'completed' });
  // The worker removes the staged copy once the job has ended: it does not wait for retention.
  for (let i = 0; i < 100 && (await runtime.store.findExternal(BUCKET, stagedKey)) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
  await expect(runtime.store.findExternal(BUCKET, stagedKey)).resolves.toBeUndefined();

  const result = await runtime.jobs.result(submitted.job_id, ALICE);
  expect(result.files).toHaveLength(1);
  const file = result.files[0]!;
  expect(file.url.startsWith(`${s3.endpoint}/${BUCKET}/results/${submitted.job_id}/hits.tsv?`)).toBe(true);
  const response = await fetch(file.url);
  expect(response.status).toBe(200);
  const downloaded = Buffer.from(await response.arrayBuffer());

  // The oracle: the same command run by hand on the fixture.
  const scratch = await fs.mkdtemp(path.join(workerDataDir, 'direct-'));
  await fs.mkdir(path.join(scratch, 'inputs'));
  await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), path.join(scratch, 'inputs', 'query.fa'));
  // The worker fetched the input from S3 under the name the caller's file had.
  expect(result.command).toContain('inputs/query.fa');
  const [bin, ...args] = result.command!;
  await execa(bin!, args, { cwd: scratch, env: { BLASTDB: dbDir } });
  const direct = await fs.readFile(path.join(scratch, 'hits.tsv'));
  expect(direct.toString().trim().split('\n')).toHaveLength(20);
  expect(downloaded.equals(direct)).toBe(true);
  expect(file.size_bytes).toBe(direct.length);
  expect(file.sha256).toBe(createHash('sha256').update(direct).digest('hex'));

  // Each side kept to its own disk: the worker's work dirs under its data dir, nothing of the
  // job's files in the server's (results and inputs live in S3).
  expect(await fs.readdir(workerDataDir)).toContain('work');
  const serverEntries = await fs.readdir(serverDataDir);
  for (const absent of ['work', 'results', 'uploads']) expect(serverEntries).not.toContain(absent);

  worker.kill('SIGTERM');
  const exited = await worker;
  expect(exited.exitCode).toBe(0);
  // Our storage setup keeps the AWS SDK's Node-version notice out of the worker's log.
  expect(exited.stderr).not.toContain('NodeVersionSupportWarning');
}, 120_000);
