import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputRef } from '../../src/inputs/input-ref.js';
import { stageInput, type StageConfig } from '../../worker/stage-inputs.js';
import { inputInvalid } from '../inputs/expect-error.js';
import { startLocalServer, type LocalServer } from '../inputs/local-http-server.js';
import { FIXTURES, isAbsent, makeTempDir, writeFile } from '../inputs/temp-dir.js';

describe('stageInput', () => {
  let tmp: string;
  let root: string;
  let work: string;
  let server: LocalServer;
  let config: StageConfig;
  let n = 0;
  const dest = () => path.join(work, `staged-${++n}.fa`);

  beforeAll(async () => {
    tmp = await makeTempDir('stage');
    root = path.join(tmp, 'root');
    work = path.join(tmp, 'work');
    await fs.mkdir(work, { recursive: true });
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
    config = { inputRoots: [root], urlMaxBytes: 1_000_000, allowPrivateUrls: true };
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const submitConfig = () => ({ inputRoots: config.inputRoots, inlineMaxBytes: 100_000, allowPrivateUrls: config.allowPrivateUrls });

  it('copies a path input and checks the copy: lambda_queries.fa has 20 records', async () => {
    const ref = await resolveInputRef('query', path.join(root, 'lambda_queries.fa'), 'nucleotide', submitConfig());
    const file = dest();
    const summary = await stageInput('query', ref, file, 'nucleotide', config);
    expect(summary.records).toBe(20);
    expect(summary.ids[19]).toBe('r20');
    expect(await fs.readFile(file)).toEqual(await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa')));
  });

  it('stages globins45.fa as 45 protein records', async () => {
    const ref = await resolveInputRef('query', path.join(root, 'globins45.fa'), 'protein', submitConfig());
    await expect(stageInput('query', ref, dest(), 'protein', config)).resolves.toMatchObject({ records: 45 });
  });

  it('refuses a path whose folder was swapped for a symlink out of the roots after submit', async () => {
    const dir = path.join(root, 'swap');
    await writeFile(path.join(dir, 'q.fa'), '>inside\nACGT\n');
    const ref = await resolveInputRef('query', path.join(dir, 'q.fa'), 'nucleotide', submitConfig());
    const outside = await writeFile(path.join(tmp, 'outside', 'q.fa'), '>secret\nACGT\n');
    await fs.rm(dir, { recursive: true });
    await fs.symlink(path.dirname(outside), dir);
    const file = dest();
    await expect(stageInput('query', ref, file, 'nucleotide', config)).rejects.toMatchObject(
      inputInvalid(`query: "${path.join(dir, 'q.fa')}" is outside the input roots (${root}) once symbolic links are resolved`),
    );
    expect(await isAbsent(file)).toBe(true);
  });

  it('refuses a path whose file was replaced by a symlink out of the roots after submit', async () => {
    const p = await writeFile(path.join(root, 'relinked.fa'), '>inside\nACGT\n');
    const ref = await resolveInputRef('query', p, 'nucleotide', submitConfig());
    const outside = await writeFile(path.join(tmp, 'outside', 'other.fa'), '>secret\nACGT\n');
    await fs.rm(p);
    await fs.symlink(outside, p);
    await expect(stageInput('query', ref, dest(), 'nucleotide', config)).rejects.toMatchObject(
      inputInvalid(`query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`),
    );
  });

  it('refuses a path removed after submit', async () => {
    const p = await writeFile(path.join(root, 'gone.fa'), '>a\nACGT\n');
    const ref = await resolveInputRef('query', p, 'nucleotide', submitConfig());
    await fs.rm(p);
    await expect(stageInput('query', ref, dest(), 'nucleotide', config)).rejects.toMatchObject(inputInvalid(`query: no such file: "${p}"`));
  });

  it('checks the staged copy: a file rewritten as garbage after submit is refused', async () => {
    const p = await writeFile(path.join(root, 'rewritten.fa'), '>a\nACGT\n');
    const ref = await resolveInputRef('query', p, 'nucleotide', submitConfig());
    await fs.copyFile(path.join(FIXTURES, 'bad', 'bad_chars.fa'), p);
    await expect(stageInput('query', ref, dest(), 'nucleotide', config)).rejects.toMatchObject(
      inputInvalid('query: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('refuses a path when the roots were emptied since submit', async () => {
    const ref = { kind: 'path' as const, path: path.join(root, 'lambda_queries.fa') };
    await expect(stageInput('query', ref, dest(), 'nucleotide', { ...config, inputRoots: [] })).rejects.toMatchObject(
      inputInvalid(
        'query: local paths are not accepted: set BIO_QUEUE_INPUT_ROOTS to the folders that may be read, or pass FASTA text or an http(s):// URL',
      ),
    );
  });

  it('downloads a URL input and checks it', async () => {
    const file = dest();
    const summary = await stageInput('query', { kind: 'url', url: `${server.origin}/lambda_queries.fa` }, file, 'nucleotide', config);
    expect(summary.records).toBe(20);
    expect(await fs.readFile(file)).toEqual(await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa')));
  });

  it('refuses a URL on a private address unless allowed', async () => {
    const url = `${server.origin}/lambda_queries.fa`;
    await expect(
      stageInput('query', { kind: 'url', url }, dest(), 'nucleotide', { ...config, allowPrivateUrls: false }),
    ).rejects.toMatchObject(
      inputInvalid(
        `query: "${url}" points to 127.0.0.1, a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)`,
      ),
    );
  });

  it('refuses a downloaded file that is not FASTA', async () => {
    await expect(
      stageInput('query', { kind: 'url', url: `${server.origin}/not_fasta.txt` }, dest(), 'nucleotide', config),
    ).rejects.toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'),
    );
  });

  it('writes an inline input and checks it', async () => {
    const text = await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8');
    const ref = await resolveInputRef('query', text, 'protein', submitConfig());
    const file = dest();
    await expect(stageInput('query', ref, file, 'protein', config)).resolves.toEqual({ records: 1, ids: ['HBB_HUMAN'], residues: 146 });
    await expect(fs.readFile(file, 'utf8')).resolves.toBe(text);
  });

  it('checks the kind on the staged copy: protein for a nucleotide input is refused', async () => {
    const ref = await resolveInputRef('query', path.join(root, 'globins45.fa'), 'nucleotide', submitConfig());
    await expect(stageInput('query', ref, dest(), 'nucleotide', config)).rejects.toMatchObject(
      inputInvalid(
        'query: record 1 (MYG_ESCGI) looks like protein, not nucleotide: 37% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
  });
});
