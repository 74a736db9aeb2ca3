// runDoctor against the test run's Redis and the real BLAST+ install.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDoctor, type DoctorBinary } from '../../src/cli/doctor.js';
import { loadConfig } from '../../src/config.js';
import { installHint } from '../../src/system/install-hints.js';
import { startS3Server } from '../support/s3-server.js';
import { databaseKinds } from '../../tools/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const blastn = { name: 'blastn', versionArgs: ['-version'], versionPattern: /^blastn: (\S+)/ } as const;
let tmp: string;

async function doctor(env: Record<string, string>, catalog: readonly DoctorBinary[]) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await runDoctor(loadConfig(env), out, catalog, databaseKinds());
  return { code, text: Buffer.concat(chunks).toString('utf8') };
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-doctor-'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('runDoctor', () => {
  it('exits 0 and shows Redis, the tools and the data dir when everything is there', async () => {
    const { code, text } = await doctor({ BIO_QUEUE_REDIS_URL: inject('redisUrl'), BIO_QUEUE_DATA_DIR: tmp }, [blastn]);
    expect(code).toBe(0);
    expect(text).toMatch(new RegExp(`^redis +ok +${inject('redisUrl')}/? answers PING \\(Redis \\d+\\.\\d+\\.\\d+\\)$`, 'm'));
    expect(text).toMatch(/^blastn +ok +\d+\.\d+\.\d+\+ +\/\S*\/blastn$/m);
    expect(text).toContain(`none yet in ${path.join(tmp, 'databases')}`);
    expect(text).toContain(`${tmp} (exists, writable)`);
    expect(text).toContain('Everything needed is in place.');
  });

  it('checks S3 storage: bucket ready while the store answers, a fix to apply when it does not', async () => {
    const s3 = await startS3Server();
    try {
      const env = { BIO_QUEUE_REDIS_URL: inject('redisUrl'), BIO_QUEUE_DATA_DIR: tmp, ...s3.env('doctor-bucket') };
      const ready = await doctor(env, [blastn]);
      expect(ready.code).toBe(0);
      expect(ready.text).toMatch(new RegExp(`^storage +ok +s3://doctor-bucket at ${s3.endpoint} \\(bucket ready\\)$`, 'm'));
      await s3.stop();
      const down = await doctor(env, [blastn]);
      expect(down.code).toBe(1);
      expect(down.text).toMatch(/^storage +FAILED +s3:\/\/doctor-bucket at \S+: /m);
      expect(down.text).toContain('storage: start the S3 store or fix BIO_STORAGE_MINIO_ENDPOINT');
    } finally {
      await s3.remove();
    }
  });

  it('exits 1 and prints how to install a binary that is missing', async () => {
    const install = { apt: 'samtools', brew: 'samtools', conda: 'bioconda samtools' };
    const missing = { name: 'samtools-not-installed-bioq', versionArgs: ['--version'], versionPattern: /(\S+)/, install };
    const { code, text } = await doctor({ BIO_QUEUE_REDIS_URL: inject('redisUrl'), BIO_QUEUE_DATA_DIR: tmp }, [blastn, missing]);
    expect(code).toBe(1);
    expect(text).toMatch(/^samtools-not-installed-bioq +MISSING +not found on PATH$/m);
    expect(text).toContain(`1 problem. To fix:\n\n${installHint('samtools-not-installed-bioq', install)}\n`);
    expect(text).toContain('sudo apt-get install -y samtools\n');
  });

  it('lists the databases in the database folder', async () => {
    const dbDir = path.join(tmp, 'databases');
    await fs.mkdir(dbDir, { recursive: true });
    await execa('makeblastdb', ['-in', path.join(fixtures, 'lambda_virus.fa'), '-dbtype', 'nucl', '-out', path.join(dbDir, 'lambda'), '-title', 'lambda phage']);
    const { code, text } = await doctor({ BIO_QUEUE_REDIS_URL: inject('redisUrl'), BIO_QUEUE_DATA_DIR: tmp }, [blastn]);
    expect(code).toBe(0);
    expect(text).toContain(`1 in ${dbDir}`);
    expect(text).toMatch(/^ {2}lambda +nucl +1 sequence, 48,502 letters; lambda phage$/m);
    expect(text).toMatch(/^indexes +ok +none cached yet \(built by the first job on each reference\)$/m);
  });

  it('lists DIAMOND and HMM databases by kind, and the cached indexes', async () => {
    const dbDir = path.join(tmp, 'databases');
    await fs.mkdir(dbDir, { recursive: true });
    await execa('diamond', ['makedb', '--in', path.join(fixtures, 'globins45.fa'), '--db', path.join(dbDir, 'globins.dmnd')]);
    await fs.copyFile(path.join(fixtures, 'fn3.hmm'), path.join(dbDir, 'fn3.hmm'));
    const { code, text } = await doctor({ BIO_QUEUE_REDIS_URL: inject('redisUrl'), BIO_QUEUE_DATA_DIR: tmp }, [blastn]);
    expect(code).toBe(0);
    const dmnd = (await fs.stat(path.join(dbDir, 'globins.dmnd'))).size;
    expect(text).toMatch(new RegExp(`^ {2}globins +diamond +${dmnd.toLocaleString('en-US')} bytes; DIAMOND database$`, 'm'));
    expect(text).toMatch(/^ {2}fn3 +hmm +41,101 bytes; HMM profile library$/m);
  });

  it('exits 1 when the configured Redis does not answer', async () => {
    // Port 1 is reserved (tcpmux) and nothing listens there on a test machine.
    const { code, text } = await doctor({ BIO_QUEUE_REDIS_URL: 'redis://:secret@127.0.0.1:1', BIO_QUEUE_DATA_DIR: tmp }, [blastn]);
    expect(code).toBe(1);
    expect(text).toMatch(/^redis +FAILED +redis:\/\/:\*\*\*@127\.0\.0\.1:1: /m);
    expect(text).not.toContain('secret');
    expect(text).toContain('redis: start the Redis at redis://:***@127.0.0.1:1, fix BIO_QUEUE_REDIS_URL, or unset it to use a private redis-server.');
  });

  it('exits 1 for an input root that does not exist, and for a missing redis-server when Redis is private', async () => {
    const root = path.join(tmp, 'no-such-root');
    const { code, text } = await doctor(
      { BIO_QUEUE_DATA_DIR: path.join(tmp, 'private'), BIO_QUEUE_REDIS_SERVER: '/nonexistent/redis-server', BIO_QUEUE_INPUT_ROOTS: root },
      [blastn],
    );
    expect(code).toBe(1);
    expect(text).toMatch(/^redis +ok +private, not running; started on first use \(.*\/private\/redis\/redis\.sock\)$/m);
    expect(text).toMatch(/^\/nonexistent\/redis-server +MISSING +not found on PATH$/m);
    expect(text).toMatch(new RegExp(`^input root +MISSING +${root} \\(not a readable folder\\)$`, 'm'));
    expect(text).toContain(`(created on first use in ${tmp}, writable)`);
    expect(text).toContain(`2 problems. To fix:\n\n${installHint('redis-server')}\n\ninput root: create ${root} or remove it from BIO_QUEUE_INPUT_ROOTS.\n`);
  });
});
