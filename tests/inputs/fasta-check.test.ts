import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputText } from '../../src/inputs/check-input.js';
import { createFastaChecker, type InputKind } from '../../src/inputs/fasta-check.js';
import { caught, inputInvalid } from './expect-error.js';
import { FIXTURES, makeTempDir, writeFile } from './temp-dir.js';

// The FASTA checker through the one entry point the worker and the submit path use, shaped as
// these tests read it: records, ids in file order, residues.
const residuesOf = (kind: InputKind) => (kind === 'any-sequence' ? 'any' : kind);
async function checkFastaFile(field: string, file: string, kind: InputKind) {
  const { records, ids, residues } = await checkInputFile(field, file, { formats: ['fasta'], residues: residuesOf(kind), keepIds: true });
  return { records, ids: ids ?? [], residues };
}
function checkFastaText(field: string, text: string, kind: InputKind) {
  const { records, ids, residues } = checkInputText(field, text, { formats: ['fasta'], residues: residuesOf(kind), keepIds: true });
  return { records, ids: ids ?? [], residues };
}

// An independent count of what the checker should find: headers, and non-blank sequence characters.
async function naiveSummary(file: string): Promise<{ records: number; ids: string[]; residues: number }> {
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  const headers = lines.filter((l) => l.startsWith('>'));
  const residues = lines.filter((l) => !l.startsWith('>')).join('').replace(/\s/g, '').length;
  return { records: headers.length, ids: headers.map((h) => h.slice(1).trim().split(/\s+/)[0]!), residues };
}

describe('checkFastaFile on the good fixtures', () => {
  it('counts the 20 nucleotide records of lambda_queries.fa', async () => {
    const summary = await checkFastaFile('query', path.join(FIXTURES, 'lambda_queries.fa'), 'nucleotide');
    expect(summary.records).toBe(20);
    expect(summary.ids).toEqual(Array.from({ length: 20 }, (_, i) => `r${i + 1}`));
    expect(summary).toEqual(await naiveSummary(path.join(FIXTURES, 'lambda_queries.fa')));
  });

  it('counts the 45 protein records of globins45.fa', async () => {
    const summary = await checkFastaFile('query', path.join(FIXTURES, 'globins45.fa'), 'protein');
    expect(summary.records).toBe(45);
    expect(summary.ids.slice(0, 3)).toEqual(['MYG_ESCGI', 'MYG_HORSE', 'MYG_PROGU']);
    expect(summary).toEqual(await naiveSummary(path.join(FIXTURES, 'globins45.fa')));
  });

  it('reads hbb_human.fa as one protein of 146 residues, id without its description', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'hbb_human.fa'), 'protein')).resolves.toEqual({
      records: 1,
      ids: ['HBB_HUMAN'],
      residues: 146,
    });
  });

  it('reads the lambda genome (70-column lines) as one record', async () => {
    const summary = await checkFastaFile('subject', path.join(FIXTURES, 'lambda_virus.fa'), 'nucleotide');
    expect(summary).toEqual({ records: 1, ids: ['gi|9626243|ref|NC_001416.1|'], residues: 48502 });
  });

  it('accepts nucleotide records for kind any-sequence', async () => {
    const summary = await checkFastaFile('query', path.join(FIXTURES, 'lambda_queries.fa'), 'any-sequence');
    expect(summary.records).toBe(20);
  });

  it('accepts protein for kind any-sequence', async () => {
    const summary = await checkFastaFile('query', path.join(FIXTURES, 'globins45.fa'), 'any-sequence');
    expect(summary.records).toBe(45);
  });
});

describe('checkFastaFile on the bad fixtures', () => {
  it('refuses digits in bad_chars.fa, naming record, line and column', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'bad', 'bad_chars.fa'), 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('refuses empty.fa', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'bad', 'empty.fa'), 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: file is empty'),
    );
  });

  it('refuses not_fasta.txt, quoting its first line', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'bad', 'not_fasta.txt'), 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "this is not a FASTA file"'),
    );
  });

  it('refuses FASTQ given where FASTA is expected, saying what it is', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'bad', 'qual_mismatch.fq'), 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: is FASTQ, but this needs FASTA'),
    );
  });

  it('refuses protein given as nucleotide, with the share of non-nucleotide letters', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'hbb_human.fa'), 'nucleotide')).rejects.toMatchObject(
      inputInvalid(
        'query: record 1 (HBB_HUMAN) looks like protein, not nucleotide: 30% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
  });

  it('names the first protein record in a protein file given as nucleotide', async () => {
    await expect(checkFastaFile('query', path.join(FIXTURES, 'globins45.fa'), 'nucleotide')).rejects.toMatchObject(
      inputInvalid(
        'query: record 1 (MYG_ESCGI) looks like protein, not nucleotide: 37% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
  });

  it('refuses nucleotide given as protein (hmmsearch would search it as protein and exit 0), with the share of bases', async () => {
    await expect(checkFastaFile('sequences', path.join(FIXTURES, 'lambda_queries.fa'), 'protein')).rejects.toMatchObject(
      inputInvalid('sequences: record 1 (r1) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N'),
    );
    await expect(checkFastaFile('sequences', path.join(FIXTURES, 'lambda_virus.fa'), 'protein')).rejects.toMatchObject(
      inputInvalid('sequences: record 1 (gi|9626243|ref|NC_001416.1|) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N'),
    );
  });

  it('names a missing file', async () => {
    const p = path.join(FIXTURES, 'bad', 'no-such.fa');
    await expect(checkFastaFile('query', p, 'nucleotide')).rejects.toMatchObject(inputInvalid(`query: no such file: "${p}"`));
  });
});

describe('checkFastaText', () => {
  const check = (text: string, kind: InputKind = 'nucleotide') => checkFastaText('query', text, kind);
  const refusal = (text: string, kind: InputKind = 'nucleotide') => caught(() => check(text, kind));

  it('counts records, ids and residues', () => {
    expect(check('>a first\nACGT\nAC\n>b\nGGGG\n')).toEqual({ records: 2, ids: ['a', 'b'], residues: 10 });
  });

  it('tolerates blank lines, leading whitespace, CRLF and spaces inside sequence lines', () => {
    expect(check('\n  \n  >a desc\r\nAC GT\r\n\r\nac\tgt\r\n>b\r\nNNNN')).toEqual({ records: 2, ids: ['a', 'b'], residues: 12 });
  });

  it('takes the first word after ">" as the id, skipping spaces before it', () => {
    expect(check('>  spaced id words\nACGT\n>tab\tid\nACGT\n').ids).toEqual(['spaced', 'tab']);
  });

  it('accepts "-" gaps and "*" stops, counting them as residues', () => {
    expect(check('>p\nMKV-LA*\n', 'protein')).toEqual({ records: 1, ids: ['p'], residues: 7 });
  });

  it('accepts IUPAC ambiguity codes and U in nucleotide sequences', () => {
    expect(check('>n\nACGTURYSWKMBDHVN\nacgturyswkmbdhvn\n').residues).toBe(32);
  });

  it('accepts every letter for protein', () => {
    expect(check('>p\nABCDEFGHIJKLMNOPQRSTUVWXYZ\n', 'protein').residues).toBe(26);
  });

  it('tolerates a few non-nucleotide letters in a nucleotide record (10% or less)', () => {
    expect(check(`>n\n${'ACGTACGTA'.repeat(10)}EEEEEEEEEE\n`).residues).toBe(100);
    expect(refusal(`>n\n${'ACGTACGTA'.repeat(10)}EEEEEEEEEEE\n`)).toMatchObject(
      inputInvalid(
        'query: record 1 (n) looks like protein, not nucleotide: 11% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
  });

  it('takes a protein record with up to 89% of A, C, G, T, U, N, and refuses one with 90%; ambiguity codes and gaps do not count', () => {
    expect(check(`>p\n${'ACGTN'.repeat(17)}LLLLLLLLLLL\n`, 'protein').residues).toBe(96);
    expect(refusal(`>p\n${'ACGTN'.repeat(18)}LLLLLLLLLL\n`, 'protein')).toMatchObject(
      inputInvalid('query: record 1 (p) looks like nucleotide, not protein: 90% of its letters are A, C, G, T, U or N'),
    );
    expect(check(`>p\n${'ACGT'.repeat(5)}RYSKMWBDHVRYSKMWBDHV----\n`, 'protein').residues).toBe(44);
    expect(refusal(`>a\nMKVLAAGIVG\n>b\nacgtacgtac\n`, 'protein')).toMatchObject(
      inputInvalid('query: record 2 (b) looks like nucleotide, not protein: 100% of its letters are A, C, G, T, U or N'),
    );
  });

  it('refuses empty text', () => {
    expect(refusal('')).toMatchObject(inputInvalid('query: FASTA text is empty'));
    expect(refusal(' \n\t\n')).toMatchObject(inputInvalid('query: FASTA text is empty'));
  });

  it('refuses a header without an id', () => {
    expect(refusal('>a\nACGT\n>\nACGT\n')).toMatchObject(inputInvalid('query: record 2 at line 3 has no id after ">"'));
    expect(refusal('>   \nACGT\n')).toMatchObject(inputInvalid('query: record 1 at line 1 has no id after ">"'));
    expect(refusal('>')).toMatchObject(inputInvalid('query: record 1 at line 1 has no id after ">"'));
  });

  it('refuses a record without sequence, in the middle or at the end', () => {
    expect(refusal('>a\n>b\nACGT\n')).toMatchObject(inputInvalid('query: record 1 (a) at line 1 has no sequence'));
    expect(refusal('>a\nACGT\n>b desc\n\n')).toMatchObject(inputInvalid('query: record 2 (b) at line 3 has no sequence'));
    expect(refusal('>a\nACGT\n>b')).toMatchObject(inputInvalid('query: record 2 (b) at line 3 has no sequence'));
  });

  it('refuses text before the first header', () => {
    expect(refusal('ACGT\n>a\nACGT\n')).toMatchObject(
      inputInvalid('query: not FASTA: line 1 should be a header starting with ">" but reads "ACGT"'),
    );
    expect(refusal(`\n\n${'x'.repeat(100)}`)).toMatchObject(
      inputInvalid(`query: not FASTA: line 3 should be a header starting with ">" but reads "${'x'.repeat(40)}…"`),
    );
  });

  it('refuses ">" inside a sequence line', () => {
    expect(refusal('>a\nACGT >b\n')).toMatchObject(
      inputInvalid('query: record 1 (a), line 2, column 6: ">" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('names unprintable and non-ASCII bytes by value', () => {
    expect(refusal('>a\nAC\0GT\n')).toMatchObject(
      inputInvalid('query: record 1 (a), line 2, column 3: byte 0x00 is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
    expect(refusal('>a\nACGT\n>b\nACGTé\n')).toMatchObject(
      inputInvalid('query: record 2 (b), line 4, column 5: byte 0xC3 is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('treats shell metacharacters as the invalid characters they are', () => {
    expect(refusal('>a\nACGT;rm -rf /\n')).toMatchObject(
      inputInvalid('query: record 1 (a), line 2, column 5: ";" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });

  it('cuts a very long id short in messages', () => {
    const id = 'x'.repeat(100);
    expect(refusal(`>${id}\n`)).toMatchObject(inputInvalid(`query: record 1 (${'x'.repeat(59)}…) at line 1 has no sequence`));
  });
});

describe('createFastaChecker', () => {
  // Feeding byte by byte puts a chunk boundary everywhere: inside headers, ids, CRLFs and lines.
  const byteByByte = (bytes: Uint8Array, kind: InputKind) => {
    const checker = createFastaChecker('query', kind, 'file', { keepIds: true });
    for (let i = 0; i < bytes.length; i++) checker.feed(bytes.subarray(i, i + 1));
    return checker.finish();
  };

  it.each([
    ['lambda_queries.fa', 'nucleotide'],
    ['globins45.fa', 'protein'],
    ['hbb_human.fa', 'protein'],
  ] as const)('gives the same summary for %s in 1-byte chunks', async (name, kind) => {
    const file = path.join(FIXTURES, name);
    expect(byteByByte(await fs.readFile(file), kind)).toEqual(await checkFastaFile('query', file, kind));
  });

  it('finds the same error position in 1-byte chunks', async () => {
    expect(caught(() => byteByByte(Buffer.from('>a\r\nAC\r\n>b x\r\nGG  12\r\n'), 'nucleotide'))).toMatchObject(
      inputInvalid('query: record 2 (b), line 4, column 5: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });
});

describe('checkFastaFile on a large file', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await makeTempDir('fasta');
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('streams a 24 MB single-line sequence and many records across read chunks', async () => {
    const file = path.join(tmp, 'big.fa');
    const handle = await fs.open(file, 'w');
    await handle.write('>chr1 one very long line\n');
    const block = Buffer.from('ACGTN'.repeat(200_000)); // 1 MB
    for (let i = 0; i < 24; i++) await handle.write(block);
    await handle.write('\n');
    await handle.write(Array.from({ length: 50_000 }, (_, i) => `>read${i}\nACGTACGTAC\n`).join(''));
    await handle.close();
    const summary = await checkFastaFile('query', file, 'nucleotide');
    expect(summary.records).toBe(50_001);
    expect(summary.ids[0]).toBe('chr1');
    expect(summary.ids[50_000]).toBe('read49999');
    expect(summary.residues).toBe(24 * 1_000_000 + 50_000 * 10);
  });

  it('names the line of a bad character deep in a file', async () => {
    const lines = ['>a'];
    for (let i = 0; i < 100_000; i++) lines.push('ACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGT');
    lines.push('ACGT5');
    const file = await writeFile(path.join(tmp, 'deep.fa'), `${lines.join('\n')}\n`);
    await expect(checkFastaFile('query', file, 'nucleotide')).rejects.toMatchObject(
      inputInvalid('query: record 1 (a), line 100002, column 5: "5" is not allowed in a sequence; use IUPAC letters, "-" or "*"'),
    );
  });
});
