import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { InputRefSchema, resolveInputRef, type InputRef, type InputRefConfig, type InputRefExpectation, type StoredInputResolver } from '../../src/inputs/input-ref.js';
import { createInputResolver } from '../../src/jobs/input-resolver.js';
import { LOCAL_CALLER } from '../../src/jobs/caller.js';
import { LocalResultStore } from '../../src/storage/local-result-store.js';
import { inputInvalid } from './expect-error.js';
import { FIXTURES, isAbsent, makeTempDir, writeFile } from './temp-dir.js';

const EXPECTED =
  'expected an absolute file path inside the input roots, an http(s):// URL, an upload:// reference from create_upload_url, an s3://bucket/key, job://<job_id>/<file>, or the text itself';
const INLINE_LIMIT =
  'more than the 1000-byte limit (BIO_QUEUE_INLINE_MAX_BYTES); pass a file path inside the input roots, an http(s):// URL or an upload:// reference instead';

// The expectation a FASTA input of this kind declares.
function fasta(kind: 'nucleotide' | 'protein' | 'any-sequence'): InputRefExpectation {
  return { formats: ['fasta'], residues: kind === 'any-sequence' ? 'any' : kind };
}
const PRIVATE_HINT =
  'a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)';

describe('resolveInputRef', () => {
  let tmp: string;
  let root: string;
  let config: InputRefConfig;

  beforeAll(async () => {
    tmp = await makeTempDir('input-ref');
    root = path.join(tmp, 'root');
    await fs.mkdir(path.join(root, 'dir'), { recursive: true });
    for (const name of ['lambda_queries.fa', 'globins45.fa', 'hbb_human.fa']) {
      await fs.copyFile(path.join(FIXTURES, name), path.join(root, name));
    }
    await writeFile(path.join(root, 'empty.fa'), '');
    await writeFile(path.join(tmp, 'outside.fa'), '>o\nACGT\n');
    await fs.symlink(path.join(tmp, 'outside.fa'), path.join(root, 'escape.fa'));
    config = { inputRoots: [root], inlineMaxBytes: 1000, inputMaxBytes: 1_000_000, allowPrivateUrls: false };
  });

  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  // The resolver stdio has: local storage without a link signer, so uploads and s3:// are refused.
  const localResolver = () => {
    const store = new LocalResultStore({ dataDir: tmp, resultsDir: path.join(tmp, 'results'), uploadMaxBytes: 1000 });
    return createInputResolver({
      store,
      config: loadConfig({ BIO_QUEUE_DATA_DIR: tmp }),
      caller: LOCAL_CALLER,
      jobOutput: async () => ({ status: 'completed', files: [] }),
    });
  };
  const resolve = (value: string, kind: 'nucleotide' | 'protein' | 'any-sequence' = 'nucleotide', cfg?: Partial<InputRefConfig>) =>
    resolveInputRef('query', value, fasta(kind), { ...config, ...cfg }, localResolver());

  describe('paths', () => {
    it('accepts the good fixtures inside a root, as their real path', async () => {
      await expect(resolve(path.join(root, 'lambda_queries.fa'))).resolves.toEqual({
        kind: 'path',
        path: path.join(root, 'lambda_queries.fa'),
      });
      await expect(resolve(path.join(root, 'dir', '..', 'globins45.fa'), 'protein')).resolves.toEqual({
        kind: 'path',
        path: path.join(root, 'globins45.fa'),
      });
    });

    it('refuses paths when no input roots are configured', async () => {
      await expect(resolve(path.join(root, 'lambda_queries.fa'), 'nucleotide', { inputRoots: [] })).rejects.toMatchObject(
        inputInvalid(
          'query: local paths are not accepted: set BIO_QUEUE_INPUT_ROOTS to the folders that may be read, or pass FASTA text or an http(s):// URL',
        ),
      );
    });

    it('refuses root/../ traversal', async () => {
      const p = `${root}/../outside.fa`;
      await expect(resolve(p)).rejects.toMatchObject(inputInvalid(`query: "${p}" is outside the input roots (${root})`));
    });

    it('refuses a symlink that leads out of the root', async () => {
      const p = path.join(root, 'escape.fa');
      await expect(resolve(p)).rejects.toMatchObject(
        inputInvalid(`query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`),
      );
    });

    it('refuses a missing file, a directory and an empty file', async () => {
      const missing = path.join(root, 'missing.fa');
      await expect(resolve(missing)).rejects.toMatchObject(inputInvalid(`query: no such file: "${missing}"`));
      const dir = path.join(root, 'dir');
      await expect(resolve(dir)).rejects.toMatchObject(inputInvalid(`query: "${dir}" is a directory, not a file`));
      await expect(resolve(root)).rejects.toMatchObject(inputInvalid(`query: "${root}" is a directory, not a file`));
      const empty = path.join(root, 'empty.fa');
      await expect(resolve(empty)).rejects.toMatchObject(inputInvalid(`query: "${empty}" is an empty file`));
    });

    it('refuses a file longer than BIO_QUEUE_INPUT_MAX_BYTES, a sparse one by its length, and takes one at the limit', async () => {
      const sparse = path.join(root, 'sparse.fa');
      await writeFile(sparse, '>s\nACGT\n');
      await fs.truncate(sparse, 1024 * 1024 * 1024);
      await expect(resolve(sparse)).rejects.toMatchObject(
        inputInvalid(`query: "${sparse}" is 1073741824 bytes, more than the 1000000-byte limit (BIO_QUEUE_INPUT_MAX_BYTES)`),
      );
      await expect(resolve(sparse, 'nucleotide', { inputMaxBytes: 1024 * 1024 * 1024 })).resolves.toEqual({ kind: 'path', path: await fs.realpath(sparse) });
      await fs.rm(sparse);
    });

    it('refuses a named pipe, which a copy would wait on forever', async () => {
      const fifo = path.join(root, 'pipe.fa');
      await promisify(execFile)('mkfifo', [fifo]);
      await expect(resolve(fifo)).rejects.toMatchObject(inputInvalid(`query: "${fifo}" is not a regular file`));
    });

    it('takes shell metacharacters in a file name literally', async () => {
      const victim = await writeFile(path.join(root, 'x'), 'keep me');
      const names = ['a;rm -rf x.fa', '$(rm x).fa', '`rm x`.fa', "it's | \"quoted\" & > x.fa"];
      for (const name of names) {
        const p = await writeFile(path.join(root, name), '>a\nACGT\n');
        await expect(resolve(p)).resolves.toEqual({ kind: 'path', path: p });
      }
      await expect(fs.readFile(victim, 'utf8')).resolves.toBe('keep me');
      expect(await isAbsent(path.join(root, 'x.fa'))).toBe(true);
    });

    it('does not check the contents of a path at submit (the worker does, on its copy)', async () => {
      const p = path.join(root, 'globins45.fa');
      await expect(resolve(p, 'nucleotide')).resolves.toEqual({ kind: 'path', path: p });
    });
  });

  describe('inline FASTA', () => {
    it('accepts FASTA text and stores it without leading blanks', async () => {
      await expect(resolve('\n  >a\nACGT\n')).resolves.toEqual({ kind: 'inline', text: '>a\nACGT\n' });
    });

    it('accepts the protein fixture inline for a protein input', async () => {
      const text = await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8');
      await expect(resolve(text, 'protein')).resolves.toEqual({ kind: 'inline', text });
    });

    it('refuses text over the inline limit, saying what to do instead', async () => {
      const text = `>a\n${'A'.repeat(1000)}\n`;
      await expect(resolve(text)).rejects.toMatchObject(
        inputInvalid(
          `query: inline text is 1004 bytes, ${INLINE_LIMIT}`,
        ),
      );
    });

    it('counts the limit in UTF-8 bytes', async () => {
      const text = `>é\n${'A'.repeat(995)}`; // 998 characters, 999 bytes
      await expect(resolve(text)).resolves.toEqual({ kind: 'inline', text });
      await expect(resolve(`${text}AA`)).rejects.toMatchObject(
        inputInvalid(
          `query: inline text is 1001 bytes, ${INLINE_LIMIT}`,
        ),
      );
    });

    it('refuses bad FASTA with the checker message', async () => {
      const text = await fs.readFile(path.join(FIXTURES, 'bad', 'bad_chars.fa'), 'utf8');
      await expect(resolve(text)).rejects.toMatchObject(
        inputInvalid('query: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
      );
      await expect(resolve('>only a header\n')).rejects.toMatchObject(
        inputInvalid('query: record 1 (only) at line 1 has no sequence'),
      );
    });

    it('refuses protein text for a nucleotide input', async () => {
      const text = await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8');
      await expect(resolve(text, 'nucleotide')).rejects.toMatchObject(
        inputInvalid(
          'query: record 1 (HBB_HUMAN) looks like protein, not nucleotide: 30% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
        ),
      );
    });
  });

  describe('URLs', () => {
    it('accepts a public host name without resolving it yet, normalised', async () => {
      await expect(resolve('HTTPS://Example.ORG/q.fa')).resolves.toEqual({ kind: 'url', url: 'https://example.org/q.fa' });
      await expect(resolve('http://example.org:8080/a%20b.fa?x=1')).resolves.toEqual({
        kind: 'url',
        url: 'http://example.org:8080/a%20b.fa?x=1',
      });
      await expect(resolve('http://8.8.8.8/q.fa')).resolves.toEqual({ kind: 'url', url: 'http://8.8.8.8/q.fa' });
    });

    it.each([
      ['http://127.0.0.1:8080/q.fa', '127.0.0.1'],
      ['http://10.0.0.5/q.fa', '10.0.0.5'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://2130706433/q.fa', '127.0.0.1'],
      ['http://0x7f.1/q.fa', '127.0.0.1'],
      ['http://[::1]/q.fa', '::1'],
      ['http://[::ffff:127.0.0.1]/q.fa', '::ffff:7f00:1'],
      ['http://[fe80::1]/q.fa', 'fe80::1'],
    ])('refuses %s, a private address literal', async (url, address) => {
      await expect(resolve(url)).rejects.toMatchObject(inputInvalid(`query: "${url}" points to ${address}, ${PRIVATE_HINT}`));
    });

    it('accepts a private address literal when private URLs are allowed', async () => {
      await expect(resolve('http://127.0.0.1:8080/q.fa', 'nucleotide', { allowPrivateUrls: true })).resolves.toEqual({
        kind: 'url',
        url: 'http://127.0.0.1:8080/q.fa',
      });
    });

    it('refuses a URL with credentials without repeating them', async () => {
      await expect(resolve('https://user:secret@example.org/q.fa')).rejects.toMatchObject(
        inputInvalid('query: the URL carries a user name or password, which is not accepted'),
      );
    });

    it('refuses a URL that does not parse', async () => {
      await expect(resolve('http://exa mple.org/q.fa')).rejects.toMatchObject(
        inputInvalid('query: "http://exa mple.org/q.fa" is not a valid URL'),
      );
    });

    it.each(['ftp://example.org/q.fa', 'file:///etc/passwd', 'gs://bucket/q.fa'])('refuses %s', async (url) => {
      const scheme = url.slice(0, url.indexOf(':'));
      await expect(resolve(url)).rejects.toMatchObject(inputInvalid(`query: "${url}": ${scheme}:// URLs are not accepted; ${EXPECTED}`));
    });
  });

  describe('upload:// and s3:// references', () => {
    // What the job service answers for them (it asks the store); here: a record of the questions.
    function resolver(): StoredInputResolver & { asked: string[] } {
      const asked: string[] = [];
      return {
        asked,
        async upload(field, uploadId): Promise<InputRef> {
          asked.push(`${field} upload ${uploadId}`);
          return { kind: 'stored', key: `uploads/alice/${uploadId}`, name: `upload://${uploadId}` };
        },
        async s3(field, bucket, key): Promise<InputRef> {
          asked.push(`${field} s3 ${bucket} ${key}`);
          return { kind: 's3', bucket, key };
        },
        async jobOutput(field, jobId, name): Promise<InputRef> {
          asked.push(`${field} job ${jobId} ${name}`);
          return { kind: 'stored', key: `${jobId}/${name}`, name: `job://${jobId}/${name}` };
        },
      };
    }

    it('hands an upload:// reference to the store lookup, with the field and the id', async () => {
      const stored = resolver();
      await expect(resolveInputRef('query', 'upload://Ab3_-xyzAb3_-xyzAb3_-x', fasta('nucleotide'), config, stored)).resolves.toEqual({
        kind: 'stored',
        key: 'uploads/alice/Ab3_-xyzAb3_-xyzAb3_-x',
        name: 'upload://Ab3_-xyzAb3_-xyzAb3_-x',
      });
      expect(stored.asked).toEqual(['query upload Ab3_-xyzAb3_-xyzAb3_-x']);
    });

    it('hands an s3://bucket/key to the store lookup, keeping slashes in the key', async () => {
      const stored = resolver();
      await expect(resolveInputRef('subject', 's3://lab-data/runs/2026/q.fa', fasta('nucleotide'), config, stored)).resolves.toEqual({
        kind: 's3',
        bucket: 'lab-data',
        key: 'runs/2026/q.fa',
      });
      expect(stored.asked).toEqual(['subject s3 lab-data runs/2026/q.fa']);
    });

    it.each(['upload://short', 'upload://../../etc/passwd', 'upload:/AAAAAAAAAAAAAAAAAAAAAA', 'upload://AAAAAAAAAAAAAAAAAAAAAA/x'])(
      'refuses %j, which is not an upload reference, without asking the store',
      async (value) => {
        const stored = resolver();
        await expect(resolveInputRef('query', value, fasta('nucleotide'), config, stored)).rejects.toMatchObject(
          inputInvalid(`query: ${JSON.stringify(value)} is not an upload reference; create_upload_url (or POST /uploads) gives one like "upload://…"`),
        );
        expect(stored.asked).toEqual([]);
      },
    );

    it.each(['s3://bucket', 's3://bucket/', 's3://Bucket/q.fa', 's3://ab/q.fa', 's3:/bucket/q.fa'])('refuses %j, which is not an s3://bucket/key URL', async (value) => {
      const stored = resolver();
      await expect(resolveInputRef('query', value, fasta('nucleotide'), config, stored)).rejects.toMatchObject(
        inputInvalid(`query: ${JSON.stringify(value)} is not an s3://bucket/key URL`),
      );
      expect(stored.asked).toEqual([]);
    });

    it('hands a job://<job_id>/<file> reference to the job lookup, with the file name decoded', async () => {
      const stored = resolver();
      await expect(resolveInputRef('alignments', 'job://align-0123456789abcdef/aligned%20x.bam', fasta('any-sequence'), config, stored)).resolves.toEqual({
        kind: 'stored',
        key: 'align-0123456789abcdef/aligned x.bam',
        name: 'job://align-0123456789abcdef/aligned x.bam',
      });
      expect(stored.asked).toEqual(['alignments job align-0123456789abcdef aligned x.bam']);
    });

    it.each(['job://align-0123456789abcdef', 'job://align-0123456789abcdef/', 'job:/x/y', 'job://a/b/c'])('refuses %j, which is not a job output reference', async (value) => {
      const stored = resolver();
      await expect(resolveInputRef('alignments', value, fasta('any-sequence'), config, stored)).rejects.toMatchObject(
        inputInvalid(`alignments: ${JSON.stringify(value)} is not a job output reference; write job://<job_id>/<file>, with a file name get_job_result lists`),
      );
      expect(stored.asked).toEqual([]);
    });

    // Found by the fuzz suite: decodeURIComponent's URIError reached the caller as an internal error.
    it.each(['job://align-0123456789abcdef/%E0%A4%A', 'job://align-0123456789abcdef/100%', 'job://a/%zz'])('refuses %j, whose file name is not valid percent-encoding, without asking', async (value) => {
      const stored = resolver();
      await expect(resolveInputRef('alignments', value, fasta('any-sequence'), config, stored)).rejects.toMatchObject(
        inputInvalid(`alignments: ${JSON.stringify(value)}: the file name is not valid percent-encoding; write "%" as %25`),
      );
      expect(stored.asked).toEqual([]);
    });

    it('refuses both where storage cannot resolve them (stdio on local storage)', async () => {
      await expect(resolve('upload://AAAAAAAAAAAAAAAAAAAAAA')).rejects.toMatchObject(
        inputInvalid('query: upload:// references need `bio-mcp-queue serve` or S3 storage'),
      );
      await expect(resolve('s3://bucket/q.fa')).rejects.toMatchObject(inputInvalid('query: s3:// inputs need S3 storage (BIO_STORAGE_BACKEND=s3)'));
    });
  });

  describe('database names', () => {
    it('takes a bare name as a database where the tool allows one, and refuses it elsewhere', async () => {
      const expect_ = { ...fasta('protein'), databaseName: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/ };
      await expect(resolveInputRef('profiles', 'Pfam-A', expect_, config, localResolver())).resolves.toEqual({ kind: 'database', name: 'Pfam-A' });
      await expect(resolveInputRef('profiles', 'Pfam A', expect_, config, localResolver())).rejects.toMatchObject(
        inputInvalid(`profiles: ${EXPECTED}, or a database name from list_databases (got "Pfam A")`),
      );
      await expect(resolve('Pfam-A')).rejects.toMatchObject(inputInvalid(`query: ${EXPECTED} (got "Pfam-A")`));
    });
  });

  describe('anything else', () => {
    it.each(['q.fa', 'data/q.fa', '~/q.fa', 'ACGTACGT', ''])('refuses %j, saying what is accepted', async (value) => {
      await expect(resolve(value)).rejects.toMatchObject(inputInvalid(`query: ${EXPECTED} (got ${JSON.stringify(value)})`));
    });

    it('shows only the start of a long refused value', async () => {
      const value = 'ACGT'.repeat(100);
      await expect(resolve(value)).rejects.toMatchObject(
        inputInvalid(`query: ${EXPECTED} (got "${value.slice(0, 60)}…")`),
      );
    });
  });
});

describe('InputRefSchema', () => {
  it('round-trips each kind through JSON, as job data does', () => {
    const refs = [
      { kind: 'path', path: '/data/q.fa' },
      { kind: 'url', url: 'https://example.org/q.fa' },
      { kind: 'inline', text: '>a\nACGT\n' },
      { kind: 'stored', key: 'uploads/alice/AAAAAAAAAAAAAAAAAAAAAA', name: 'upload://AAAAAAAAAAAAAAAAAAAAAA' },
      { kind: 's3', bucket: 'lab-data', key: 'runs/q.fa' },
      { kind: 'database', name: 'Pfam-A' },
    ];
    for (const ref of refs) expect(InputRefSchema.parse(JSON.parse(JSON.stringify(ref)))).toEqual(ref);
  });

  it('refuses a relative path, a non-http URL and an unknown kind', () => {
    expect(InputRefSchema.safeParse({ kind: 'path', path: 'q.fa' }).success).toBe(false);
    expect(InputRefSchema.safeParse({ kind: 'url', url: 'ftp://x/q.fa' }).success).toBe(false);
    expect(InputRefSchema.safeParse({ kind: 'shell', command: 'rm -rf /' }).success).toBe(false);
    expect(InputRefSchema.safeParse({ kind: 'stored', key: '', name: 'x' }).success).toBe(false);
    expect(InputRefSchema.safeParse({ kind: 's3', bucket: 'ab', key: 'q.fa' }).success).toBe(false);
  });
});
