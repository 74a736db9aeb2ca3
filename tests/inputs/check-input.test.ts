// checkInputFile/checkInputText as the worker sees them: FASTA with today's messages, the choice
// between expected formats, "table" and "any", read errors, cancellation, and inline text.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputText } from '../../src/inputs/check-input.js';
import { sha256, tool } from './bio-tools.js';
import { caught, inputInvalid } from './expect-error.js';
import { FIXTURES, makeTempDir, writeFile } from './temp-dir.js';

const QUERY = { formats: ['fasta'], residues: 'nucleotide' } as const;
const fixture = (name: string) => path.join(FIXTURES, name);

let tmp: string;
let n = 0;
const at = (name: string) => path.join(tmp, `${++n}-${name}`);

beforeAll(async () => {
  tmp = await makeTempDir('check-input');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('FASTA through checkInputFile', () => {
  it('counts the lambda genome, hashing the file, ids only with keepIds', async () => {
    const bytes = await fs.readFile(fixture('lambda_virus.fa'));
    const check = await checkInputFile('subject', fixture('lambda_virus.fa'), QUERY);
    expect(check).toEqual({ format: 'fasta', gzip: false, records: 1, residues: 48502, sha256: sha256(bytes), bytes: bytes.length });
    const withIds = await checkInputFile('subject', fixture('lambda_virus.fa'), { ...QUERY, keepIds: true });
    expect(withIds.ids).toEqual(['gi|9626243|ref|NC_001416.1|']);
  });

  it('reads protein for residues protein or any, and refuses it for nucleotide', async () => {
    await expect(checkInputFile('query', fixture('globins45.fa'), { formats: ['fasta'], residues: 'protein' })).resolves.toMatchObject({ records: 45, residues: 6519 });
    await expect(checkInputFile('query', fixture('globins45.fa'), { formats: ['fasta'] })).resolves.toMatchObject({ records: 45 });
    await expect(checkInputFile('query', fixture('hbb_human.fa'), QUERY)).rejects.toMatchObject(
      inputInvalid(
        'query: record 1 (HBB_HUMAN) looks like protein, not nucleotide: 30% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
  });

  it("keeps today's messages for the bad fixtures", async () => {
    await expect(checkInputFile('query', fixture('bad/bad_chars.fa'), QUERY)).rejects.toMatchObject(
      inputInvalid('query: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
    await expect(checkInputFile('query', fixture('bad/empty.fa'), QUERY)).rejects.toMatchObject(inputInvalid('query: file is empty'));
    await expect(checkInputFile('query', fixture('bad/not_fasta.txt'), QUERY)).rejects.toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'),
    );
  });

  it('refuses FASTQ where FASTA is needed by what it is', async () => {
    await expect(checkInputFile('query', fixture('bad/qual_mismatch.fq'), QUERY)).rejects.toMatchObject(inputInvalid('query: is FASTQ, but this needs FASTA'));
  });

  it('refuses a file of blanks as empty', async () => {
    const blank = await writeFile(at('blank.fa'), ' \n\n\t\n');
    await expect(checkInputFile('query', blank, QUERY)).rejects.toMatchObject(inputInvalid('query: file is empty'));
  });
});

describe('choosing among the expected formats', () => {
  it('takes FASTA or FASTQ for reads, whichever it is', async () => {
    const reads = { formats: ['fastq', 'fasta'], residues: 'nucleotide' } as const;
    await expect(checkInputFile('reads', fixture('lambda_queries.fa'), reads)).resolves.toMatchObject({ format: 'fasta', records: 20 });
    await expect(checkInputFile('reads', fixture('lambda_reads_2.fq.gz'), reads)).resolves.toMatchObject({ format: 'fastq', records: 2000 });
  });

  it('refuses with the first expected format\'s message when nothing is recognisable', async () => {
    await expect(checkInputFile('reads', fixture('bad/not_fasta.txt'), { formats: ['fastq', 'fasta'] })).rejects.toMatchObject(
      inputInvalid('reads: not FASTQ: line 1 should be a header starting with "@" but reads "this is not a FASTA file"'),
    );
  });

  it('takes any text as a table, counting non-blank lines, but not binary data', async () => {
    await expect(checkInputFile('samples', fixture('bad/not_fasta.txt'), { formats: ['table'] })).resolves.toMatchObject({ format: 'table', records: 3 });
    expect(checkInputText('samples', 'a\tb\n\n  \nc\td\r\n', { formats: ['table'] })).toMatchObject({ format: 'table', records: 2 });
    await expect(checkInputFile('samples', fixture('lambda_queries.fa'), { formats: ['table'] })).resolves.toMatchObject({ format: 'table', records: 40 });
    const nul = await writeFile(at('nul.tsv'), 'a\tb\nc\0d\n');
    await expect(checkInputFile('samples', nul, { formats: ['table'] })).rejects.toMatchObject(
      inputInvalid('samples: line 2 holds a NUL byte, so this is not a text table'),
    );
    await expect(checkInputFile('samples', fixture('bad/empty.fa'), { formats: ['table'] })).rejects.toMatchObject(inputInvalid('samples: file is empty'));
  });

  it('takes any non-empty file for "any", counting nothing, hashing its bytes', async () => {
    const bytes = await fs.readFile(fixture('lambda_reads_1.fq.gz'));
    const png = await writeFile(at('image.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    await expect(checkInputFile('file', png, { formats: ['any'] })).resolves.toMatchObject({ format: 'any', records: 0, residues: 0, bytes: 7 });
    await expect(checkInputFile('file', fixture('lambda_virus.fa'), { formats: ['fasta', 'any'] })).resolves.toMatchObject({ format: 'fasta', records: 1 });
    const gz = await checkInputFile('file', fixture('lambda_reads_1.fq.gz'), { formats: ['any'] });
    expect(gz).toMatchObject({ format: 'any', gzip: true, bytes: 450489 });
    expect(gz.sha256).not.toBe(sha256(bytes));
    await expect(checkInputFile('file', fixture('bad/empty.fa'), { formats: ['any'] })).rejects.toMatchObject(inputInvalid('file: file is empty'));
  });
});

describe('read errors and cancellation', () => {
  it('names a missing file and a directory as the caller\'s errors', async () => {
    const missing = fixture('bad/no-such.fa');
    await expect(checkInputFile('query', missing, QUERY)).rejects.toMatchObject(inputInvalid(`query: no such file: "${missing}"`));
    await expect(checkInputFile('query', tmp, QUERY)).rejects.toMatchObject(inputInvalid(`query: "${tmp}" is a directory, not a file`));
  });

  it('is cancelled, not failed, when its signal aborts', async () => {
    await expect(checkInputFile('query', fixture('lambda_virus.fa'), QUERY, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'cancelled',
      message: 'query: the input check was cancelled',
    });
    const big = at('big.fq.gz');
    const reads = (await tool('gzip', ['-dc', fixture('lambda_reads_1.fq.gz')], tmp)).stdout;
    await writeFile(big, (await tool('gzip', ['-1'], tmp, { input: Buffer.concat(Array.from({ length: 40 }, () => reads)) })).stdout);
    const controller = new AbortController();
    const running = checkInputFile('reads', big, { formats: ['fastq'] }, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(running).rejects.toMatchObject({ code: 'cancelled', message: 'reads: the input check was cancelled' });
  });
});

describe('checkInputText', () => {
  it('checks inline FASTA as checkFastaText does, hashing its UTF-8 bytes', () => {
    const text = '>a first\nACGT\nAC\n>b\nGGGG\n';
    expect(checkInputText('query', text, { ...QUERY, keepIds: true })).toEqual({
      format: 'fasta',
      gzip: false,
      records: 2,
      residues: 10,
      ids: ['a', 'b'],
      sha256: sha256(Buffer.from(text)),
      bytes: Buffer.byteLength(text),
    });
    expect(caught(() => checkInputText('query', ' \n', QUERY))).toMatchObject(inputInvalid('query: FASTA text is empty'));
    expect(caught(() => checkInputText('query', '>a\nAC1\n', QUERY))).toMatchObject(
      inputInvalid('query: record 1 (a), line 2, column 3: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('checks inline FASTQ, and refuses it where FASTA is needed', () => {
    expect(checkInputText('reads', '@r1\nACGT\n+\nIIII\n', { formats: ['fastq'], keepIds: true })).toMatchObject({ format: 'fastq', records: 1, residues: 4, ids: ['r1'] });
    expect(caught(() => checkInputText('query', '@r1\nACGT\n+\nIIII\n', QUERY))).toMatchObject(inputInvalid('query: is FASTQ, but this needs FASTA'));
  });
});

describe('a table that is not SAM', () => {
  it("is not taken for headerless SAM because it has 12 columns (BLAST's tabular output)", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-table-'));
    const file = path.join(dir, 'hits.tsv');
    await fs.writeFile(file, 'r1\tNC_001416.1\t97.541\t122\t3\t0\t1\t122\t1840\t1961\t1.2e-55\t206\n');
    try {
      await expect(checkInputFile('alignments', file, { formats: ['sam', 'bam'] })).rejects.toMatchObject({ message: expect.stringMatching(/^alignments: not SAM or BAM: /) });
      await expect(checkInputFile('table', file, { formats: ['table'] })).resolves.toMatchObject({ format: 'table', records: 1 });
      // A record whose FLAG is not a number, after good ones.
      const sam = path.join(dir, 'broken.sam');
      const good = 'r1\t0\tchr1\t100\t60\t10M\t*\t0\t0\tACGTACGTAC\tIIIIIIIIII';
      await fs.writeFile(sam, `@SQ\tSN:chr1\tLN:1000\n${good}\n${good.replace('\t0\t', '\tforward\t')}\n`);
      await expect(checkInputFile('alignments', sam, { formats: ['sam', 'bam'] })).rejects.toMatchObject({
        message: 'alignments: line 3: field 2 (FLAG) reads "forward", not a number as in a SAM alignment',
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
