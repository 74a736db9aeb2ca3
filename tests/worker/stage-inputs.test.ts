// Staging on real files, a real HTTP server, local storage and s3rver: where each kind of input
// ends up in the work dir (linked in place, downloaded, written) and that it is checked there.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile } from '../../src/inputs/check-input.js';
import { resolveInputRef } from '../../src/inputs/input-ref.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import { S3ResultStore } from '../../src/storage/s3-result-store.js';
import { InputNames, stageInput, type StageConfig, type StageDeps, type StagedInput } from '../../worker/stage-inputs.js';
import type { InputRef, InputRefExpectation } from '../../src/inputs/input-ref.js';
import { createInputResolver } from '../../src/jobs/input-resolver.js';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';
import { loadConfig } from '../../src/config.js';
import type { InputSpec } from '../../tools/define-tool.js';
import { inputInvalid } from '../inputs/expect-error.js';
import { startLocalServer, type LocalServer } from '../inputs/local-http-server.js';
import { FIXTURES, isAbsent, makeTempDir, writeFile } from '../inputs/temp-dir.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';

const QUERY: InputSpec = { param: 'query', formats: ['fasta'], keepIds: true };
const fasta = (kind: 'nucleotide' | 'protein'): InputRefExpectation => ({ formats: ['fasta'], residues: kind });

describe('stageInput', () => {
  let tmp: string;
  let root: string;
  let work: string;
  let server: LocalServer;
  let config: StageConfig;
  let store: LocalResultStore;
  let n = 0;
  const deps = (overrides: Partial<StageConfig> = {}): StageDeps => ({ config: { ...config, ...overrides }, store });
  // Each call stages into a fresh work dir; `work` is the last one.
  const stage = async (ref: InputRef, kind: 'nucleotide' | 'protein', d: StageDeps = deps()) => {
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    return (await stageInput('query', ref, QUERY, kind, work, new InputNames(), d)) as Extract<StagedInput, { kind: 'file' }>;
  };

  beforeAll(async () => {
    tmp = await makeTempDir('stage');
    root = path.join(tmp, 'root');
    await fs.mkdir(path.join(root, 'sub'), { recursive: true });
    await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), path.join(root, 'lambda_queries.fa'));
    await fs.copyFile(path.join(FIXTURES, 'globins45.fa'), path.join(root, 'globins45.fa'));
    const fixtures: Record<string, string> = {
      '/lambda_queries.fa': path.join(FIXTURES, 'lambda_queries.fa'),
      '/not_fasta.txt': path.join(FIXTURES, 'bad', 'not_fasta.txt'),
    };
    server = await startLocalServer((req, res) => {
      const file = fixtures[req.url ?? ''];
      if (!file) return void res.writeHead(404).end();
      void fs.readFile(file).then((body) => res.writeHead(200, { 'content-length': body.length }).end(body));
    });
    config = { inputRoots: [root], inputMaxBytes: 1_000_000, urlMaxBytes: 1_000_000, allowPrivateUrls: true, dbDir: path.join(tmp, 'db') };
    const dataDir = path.join(tmp, 'data');
    store = new LocalResultStore({ dataDir, resultsDir: path.join(dataDir, 'results'), uploadMaxBytes: 1_000_000 });
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const submitConfig = () => ({ inputRoots: config.inputRoots, inlineMaxBytes: 100_000, inputMaxBytes: config.inputMaxBytes, allowPrivateUrls: config.allowPrivateUrls });
  const resolve = (value: string, kind: 'nucleotide' | 'protein') =>
    resolveInputRef('query', value, fasta(kind), submitConfig(), createInputResolver({ store, config: loadConfig({ BIO_QUEUE_DATA_DIR: tmp }), caller: LOCAL_CALLER, jobOutput: async () => ({ status: 'completed', files: [] }) }));

  it('links a path input in place (no copy) and checks it: lambda_queries.fa has 20 records', async () => {
    const real = path.join(root, 'lambda_queries.fa');
    const staged = await stage(await resolve(real, 'nucleotide'), 'nucleotide');
    expect(staged.path).toBe('inputs/lambda_queries.fa');
    expect(staged.check).toMatchObject({ format: 'fasta', records: 20, gzip: false });
    expect(staged.check.ids?.[19]).toBe('r20');
    expect((await fs.lstat(path.join(work, staged.path))).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(path.join(work, staged.path))).toBe(real);
  });

  it('stages globins45.fa as 45 protein records', async () => {
    const staged = await stage(await resolve(path.join(root, 'globins45.fa'), 'protein'), 'protein');
    expect(staged.check.records).toBe(45);
  });

  it('keeps the caller\'s file names apart when two inputs share one', async () => {
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    const names = new InputNames();
    const ref = await resolve(path.join(root, 'lambda_queries.fa'), 'nucleotide');
    const first = await stageInput('reads_1', ref, QUERY, 'nucleotide', work, names, deps());
    const second = await stageInput('reads_2', ref, QUERY, 'nucleotide', work, names, deps());
    expect([first.path, second.path]).toEqual(['inputs/lambda_queries.fa', 'inputs/reads_2-lambda_queries.fa']);
  });

  it('links gzip reads in place for a tool that reads gzip, counting their records', async () => {
    const reads = path.join(root, 'lambda_reads_1.fq.gz');
    await fs.copyFile(path.join(FIXTURES, 'lambda_reads_1.fq.gz'), reads);
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    const spec: InputSpec = { param: 'reads_1', formats: ['fastq', 'fasta'], residues: 'nucleotide', readsGzip: true };
    const ref = await resolveInputRef('reads_1', reads, { formats: ['fastq', 'fasta'], residues: 'nucleotide' }, submitConfig(), createInputResolver({ store, config: loadConfig({ BIO_QUEUE_DATA_DIR: tmp }), caller: LOCAL_CALLER, jobOutput: async () => ({ status: 'completed', files: [] }) }));
    const staged = (await stageInput('reads_1', ref, spec, 'nucleotide', work, new InputNames(), deps())) as Extract<StagedInput, { kind: 'file' }>;
    expect(staged.path).toBe('inputs/lambda_reads_1.fq.gz');
    expect(staged.check).toMatchObject({ format: 'fastq', gzip: true, records: 2000 });
    expect((await fs.lstat(path.join(work, staged.path))).isSymbolicLink()).toBe(true);
    // sha256 of the decompressed reads (fixtures/README.md), so gzip or not, the same content hashes the same.
    expect(staged.check.sha256).toBe('54ac1a07150a5494b0c98c5431ae03362694c02331f9ad26876c40935e6513c0');
  });

  it('decompresses gzip FASTA into the work dir for a tool that cannot read gzip, checking it on the way', async () => {
    const gz = path.join(root, 'queries.fa.gz');
    await fs.writeFile(gz, gzipSync(await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa'))));
    const staged = await stage(await resolve(gz, 'nucleotide'), 'nucleotide');
    expect(staged.path).toBe('inputs/queries.fa');
    expect(staged.check).toMatchObject({ format: 'fasta', gzip: true, records: 20 });
    expect(await fs.readFile(path.join(work, staged.path))).toEqual(await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa')));
    expect((await fs.readdir(path.join(work, 'inputs'))).sort()).toEqual(['queries.fa', 'queries.fa.gz']);
  });

  it('names gzip content ".gz" whatever it was called, so tools that go by the name read it right', async () => {
    const odd = path.join(root, 'reads-without-suffix');
    await fs.copyFile(path.join(FIXTURES, 'lambda_reads_2.fq.gz'), odd);
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    const spec: InputSpec = { param: 'reads_2', formats: ['fastq'], readsGzip: true };
    const staged = (await stageInput('reads_2', { kind: 'path', path: odd }, spec, 'nucleotide', work, new InputNames(), deps())) as Extract<StagedInput, { kind: 'file' }>;
    expect(staged.path).toBe('inputs/reads-without-suffix.gz');
  });

  it('links a BAM in place under its own name: BGZF starts like gzip, but it is neither renamed ".gz" nor decompressed', async () => {
    const sam = await writeFile(path.join(tmp, 'one.sam'), '@SQ\tSN:chr1\tLN:100\nr1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n');
    const bam = path.join(root, 'aligned.bam');
    await execa('samtools', ['view', '--no-PG', '-b', '-o', bam, sam]);
    await fs.copyFile(bam, path.join(root, 'alignments-without-suffix'));
    const spec: InputSpec = { param: 'alignments', formats: ['bam'] };
    for (const [name, staged] of [
      ['aligned.bam', 'inputs/aligned.bam'],
      ['alignments-without-suffix', 'inputs/alignments-without-suffix'],
    ]) {
      work = path.join(tmp, `work-${++n}`);
      await fs.mkdir(work);
      const ref = { kind: 'path' as const, path: path.join(root, name!) };
      const result = (await stageInput('alignments', ref, spec, 'any', work, new InputNames(), deps())) as Extract<StagedInput, { kind: 'file' }>;
      expect(result.path).toBe(staged);
      expect(result.check).toMatchObject({ format: 'bam', gzip: false, records: 1 });
      expect(await fs.readlink(path.join(work, result.path))).toBe(path.join(root, name!));
      expect(await fs.readdir(path.join(work, 'inputs'))).toEqual([name]);
    }
  });

  it('refuses FASTQ where FASTA is needed, and a truncated FASTQ, naming the field', async () => {
    await expect(stage({ kind: 'path', path: path.join(root, 'lambda_reads_1.fq.gz') }, 'nucleotide')).rejects.toMatchObject(inputInvalid('query: is FASTQ, but this needs FASTA'));
    await fs.copyFile(path.join(FIXTURES, 'bad', 'truncated.fq'), path.join(root, 'truncated.fq'));
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    const spec: InputSpec = { param: 'reads_1', formats: ['fastq', 'fasta'], readsGzip: true };
    await expect(stageInput('reads_1', { kind: 'path', path: path.join(root, 'truncated.fq') }, spec, 'nucleotide', work, new InputNames(), deps())).rejects.toMatchObject(
      inputInvalid('reads_1: record 2 (r2) at line 5 is cut short: the file ends after its sequence line, without the "+" line and quality'),
    );
  });

  it('names inline text by what it holds, so a SAM is not called FASTQ', async () => {
    const sam = '@SQ\tSN:chr1\tLN:100\nr1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n';
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    const spec: InputSpec = { param: 'alignments', formats: ['sam', 'bam'] };
    const staged = (await stageInput('alignments', { kind: 'inline', text: sam }, spec, 'any', work, new InputNames(), deps())) as Extract<StagedInput, { kind: 'file' }>;
    expect(staged.path).toBe('inputs/alignments.sam');
    expect(staged.check).toMatchObject({ format: 'sam', records: 1 });
  });

  it('refuses a path whose folder was swapped for a symlink out of the roots after submit', async () => {
    const dir = path.join(root, 'swap');
    await writeFile(path.join(dir, 'q.fa'), '>inside\nACGT\n');
    const ref = await resolve(path.join(dir, 'q.fa'), 'nucleotide');
    const outside = await writeFile(path.join(tmp, 'outside', 'q.fa'), '>secret\nACGT\n');
    await fs.rm(dir, { recursive: true });
    await fs.symlink(path.dirname(outside), dir);
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid(`query: "${path.join(dir, 'q.fa')}" is outside the input roots (${root}) once symbolic links are resolved`),
    );
    expect(await isAbsent(path.join(work, 'inputs', 'q.fa'))).toBe(true);
  });

  it('refuses a path whose file was replaced by a symlink out of the roots after submit', async () => {
    const p = await writeFile(path.join(root, 'relinked.fa'), '>inside\nACGT\n');
    const ref = await resolve(p, 'nucleotide');
    const outside = await writeFile(path.join(tmp, 'outside', 'other.fa'), '>secret\nACGT\n');
    await fs.rm(p);
    await fs.symlink(outside, p);
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid(`query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`),
    );
  });

  it('refuses a path removed after submit', async () => {
    const p = await writeFile(path.join(root, 'gone.fa'), '>a\nACGT\n');
    const ref = await resolve(p, 'nucleotide');
    await fs.rm(p);
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(inputInvalid(`query: no such file: "${p}"`));
  });

  it('checks the file as it is at staging: one rewritten as garbage after submit is refused', async () => {
    const p = await writeFile(path.join(root, 'rewritten.fa'), '>a\nACGT\n');
    const ref = await resolve(p, 'nucleotide');
    await fs.copyFile(path.join(FIXTURES, 'bad', 'bad_chars.fa'), p);
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('refuses a path when the roots were emptied since submit', async () => {
    const ref = { kind: 'path' as const, path: path.join(root, 'lambda_queries.fa') };
    await expect(stage(ref, 'nucleotide', deps({ inputRoots: [] }))).rejects.toMatchObject(
      inputInvalid(
        'query: local paths are not accepted: set BIO_QUEUE_INPUT_ROOTS to the folders that may be read, or pass FASTA text or an http(s):// URL',
      ),
    );
  });

  it('refuses a path that grew past BIO_QUEUE_INPUT_MAX_BYTES since submit, counting a sparse file by its length', async () => {
    const p = path.join(root, 'grows.fa');
    await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), p);
    const ref = await resolve(p, 'nucleotide');
    await fs.truncate(p, 1_000_001); // now longer than the limit, though hardly any longer on disk
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid(`query: ${JSON.stringify(p)} is 1000001 bytes, more than the 1000000-byte limit (BIO_QUEUE_INPUT_MAX_BYTES)`),
    );
    expect(await fs.readdir(path.join(work, 'inputs'))).toEqual([]); // nothing linked or copied
  });

  it('downloads a URL input under its own name and checks it', async () => {
    const staged = await stage({ kind: 'url', url: `${server.origin}/lambda_queries.fa` }, 'nucleotide');
    expect(staged.path).toBe('inputs/lambda_queries.fa');
    expect(staged.check.records).toBe(20);
    expect(await fs.readFile(path.join(work, staged.path))).toEqual(await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa')));
    expect(await fs.readdir(path.join(work, 'inputs'))).toEqual(['lambda_queries.fa']);
  });

  it('refuses a URL on a private address unless allowed', async () => {
    const url = `${server.origin}/lambda_queries.fa`;
    await expect(stage({ kind: 'url', url }, 'nucleotide', deps({ allowPrivateUrls: false }))).rejects.toMatchObject(
      inputInvalid(
        `query: "${url}" points to 127.0.0.1, a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)`,
      ),
    );
  });

  it('refuses a downloaded file that is not FASTA', async () => {
    await expect(stage({ kind: 'url', url: `${server.origin}/not_fasta.txt` }, 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'),
    );
  });

  it('writes an inline input and checks it', async () => {
    const text = await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8');
    const staged = await stage(await resolve(text, 'protein'), 'protein');
    expect(staged.path).toBe('inputs/query.fa');
    expect(staged.check).toMatchObject({ records: 1, ids: ['HBB_HUMAN'], residues: 146 });
    await expect(fs.readFile(path.join(work, staged.path), 'utf8')).resolves.toBe(text);
    // Checked from memory, it is the check the written file gets: format, counts, ids, hash, size.
    expect(staged.check).toEqual(await checkInputFile('query', path.join(work, staged.path), { formats: ['fasta'], residues: 'protein', keepIds: true }));
  });

  it('checks the kind: protein for a nucleotide input is refused', async () => {
    const ref = await resolve(path.join(root, 'globins45.fa'), 'nucleotide');
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid(
        'query: record 1 (MYG_ESCGI) looks like protein, not nucleotide: 37% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
  });

  it('links a file of local storage (a path staged at submit, another job\'s output) in place', async () => {
    const key = await store.stageInput('blast-0000000000000001', 'query', path.join(root, 'lambda_queries.fa'));
    const staged = await stage({ kind: 'stored', key, name: 'job://blast-0000000000000001/lambda_queries.fa' }, 'nucleotide', deps({ inputRoots: [] }));
    expect(staged.check.records).toBe(20);
    expect(staged.shownName).toBe('job://blast-0000000000000001/lambda_queries.fa');
    expect(await fs.readlink(path.join(work, staged.path))).toBe(store.localPath(key));
  });

  it('refuses a stored input that is not FASTA, with the checker message', async () => {
    const key = await store.stageInput('blast-0000000000000002', 'query', path.join(FIXTURES, 'bad', 'not_fasta.txt'));
    await expect(stage({ kind: 'stored', key, name: 'notes.txt' }, 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'),
    );
  });

  it('refuses a stored input that is gone from storage, naming what the caller gave', async () => {
    const ref = { kind: 'stored' as const, key: 'uploads/alice/AAAAAAAAAAAAAAAAAAAAAA', name: 'upload://AAAAAAAAAAAAAAAAAAAAAA' };
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(inputInvalid('query: upload://AAAAAAAAAAAAAAAAAAAAAA is no longer in storage'));
    expect(await fs.readdir(path.join(work, 'inputs'))).toEqual([]);
  });
});

describe('stageInput from S3 storage', () => {
  let s3: S3Server;
  let tmp: string;
  let store: S3ResultStore;
  let n = 0;
  let work: string;
  const config: StageConfig = { inputRoots: [], inputMaxBytes: 1_000_000, urlMaxBytes: 1_000_000, allowPrivateUrls: false, dbDir: '/nonexistent' };
  const stage = async (ref: InputRef, kind: 'nucleotide' | 'protein') => {
    work = path.join(tmp, `work-${++n}`);
    await fs.mkdir(work);
    return (await stageInput('query', ref, QUERY, kind, work, new InputNames(), { config, store })) as Extract<StagedInput, { kind: 'file' }>;
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    tmp = await makeTempDir('stage-s3');
    store = new S3ResultStore({ settings: s3.settings('stage-bucket'), linkTtlSeconds: 600, uploadMaxBytes: 1_000_000 });
    await store.ensureBucket();
  });

  afterAll(async () => {
    await s3?.remove();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('fetches an upload into the work dir and checks it: globins45.fa is 45 protein records', async () => {
    const ticket = await store.createUpload('alice');
    const content = await fs.readFile(path.join(FIXTURES, 'globins45.fa'));
    expect((await fetch(ticket.url, { method: 'PUT', body: content })).status).toBe(200);
    const found = await store.findUpload('alice', ticket.upload_id);
    const staged = await stage({ kind: 'stored' as const, key: found!.key, name: ticket.upload_ref }, 'protein');
    expect(staged.check.records).toBe(45);
    expect(staged.path).toBe('inputs/query');
    expect((await fs.readFile(path.join(work, staged.path))).equals(content)).toBe(true);
  });

  it('fetches an s3:// input from another bucket and checks its kind', async () => {
    const other = new S3ResultStore({ settings: s3.settings('lab-data'), linkTtlSeconds: 600, uploadMaxBytes: 1 });
    await other.ensureBucket();
    const key = await other.stageInput('blast-0000000000000003', 'query', path.join(FIXTURES, 'globins45.fa'));
    const ref = { kind: 's3' as const, bucket: 'lab-data', key };
    expect((await stage(ref, 'protein')).check.records).toBe(45);
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid(
        'query: record 1 (MYG_ESCGI) looks like protein, not nucleotide: 37% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
    await expect(stage({ ...ref, key: 'inputs/none/query' }, 'protein')).rejects.toMatchObject(
      inputInvalid(`query: s3://lab-data/inputs/none/query is no longer in storage`),
    );
  });

  it('refuses a stored upload that is not FASTA', async () => {
    const ticket = await store.createUpload('alice');
    expect((await fetch(ticket.url, { method: 'PUT', body: await fs.readFile(path.join(FIXTURES, 'bad', 'not_fasta.txt')) })).status).toBe(200);
    const ref = { kind: 'stored' as const, key: `uploads/alice/${ticket.upload_id}`, name: ticket.upload_ref };
    await expect(stage(ref, 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'),
    );
  });
});
