// FASTQ through checkInputFile/checkInputText: the fixtures' counts against seqkit's, every
// refusal with its exact message, and bwa itself showing why CRLF is accepted.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputText } from '../../src/inputs/check-input.js';
import { createFastqChecker } from '../../src/inputs/fastq-check.js';
import { seqkitStats, sha256, tool, toolText } from './bio-tools.js';
import { caught, inputInvalid } from './expect-error.js';
import { FIXTURES, makeTempDir, writeFile } from './temp-dir.js';

const READS = { formats: ['fastq', 'fasta'], residues: 'nucleotide' } as const;
const text = (t: string, expect: Parameters<typeof checkInputText>[2] = READS) => checkInputText('reads', t, expect);
const refusal = (t: string, expect: Parameters<typeof checkInputText>[2] = READS) => caught(() => text(t, expect));

let tmp: string;
beforeAll(async () => {
  tmp = await makeTempDir('fastq');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('FASTQ fixtures, counted as seqkit counts them', () => {
  it.each(['lambda_reads_1.fq.gz', 'lambda_reads_2.fq.gz', 'lambda_longreads.fq.gz', 'illumina16s_R1.fq.gz', 'illumina16s_R2.fq.gz'])(
    '%s',
    async (name) => {
      const file = path.join(FIXTURES, name);
      const check = await checkInputFile('reads_1', file, READS);
      expect(check).toMatchObject({ format: 'fastq', gzip: true, ...(await seqkitStats(file, tmp)) });
      expect(check.ids).toBeUndefined();
    },
  );

  it('pins the lambda_reads_1 figures (2,000 reads, 214,798 bases)', async () => {
    const check = await checkInputFile('reads_1', path.join(FIXTURES, 'lambda_reads_1.fq.gz'), READS);
    expect(check).toMatchObject({ records: 2000, residues: 214798, bytes: 450489 });
  });

  it('lists the ids in file order with keepIds, as seqkit seq -n -i does', async () => {
    const file = path.join(FIXTURES, 'illumina16s_R1.fq.gz');
    const check = await checkInputFile('reads_1', file, { ...READS, keepIds: true });
    expect(check.ids).toEqual((await toolText('seqkit', ['seq', '-n', '-i', file], tmp)).trim().split('\n'));
    expect(check.ids?.[0]).toBe('HWI-D00523:240:HF3WGBCXX:1:1101:2574:2226');
  });

  it('gives the same counts in 1-byte chunks as in one', async () => {
    const bytes = zlib.gunzipSync(await fs.readFile(path.join(FIXTURES, 'lambda_reads_1.fq.gz'))).subarray(0, 60_000);
    const whole = createFastqChecker('reads', 'nucleotide', 'file', { keepIds: true });
    const cut = bytes.subarray(0, bytes.lastIndexOf('\n@') + 1); // whole records only
    whole.feed(cut);
    const single = createFastqChecker('reads', 'nucleotide', 'file', { keepIds: true });
    for (let i = 0; i < cut.length; i++) single.feed(cut.subarray(i, i + 1));
    expect(single.finish()).toEqual(whole.finish());
  });
});

describe('FASTQ refusals, from the bad fixtures', () => {
  it('names the record cut after its sequence line in truncated.fq', async () => {
    await expect(checkInputFile('reads_1', path.join(FIXTURES, 'bad', 'truncated.fq'), READS)).rejects.toMatchObject(
      inputInvalid('reads_1: record 2 (r2) at line 5 is cut short: the file ends after its sequence line, without the "+" line and quality'),
    );
  });

  it('gives both lengths for qual_mismatch.fq', async () => {
    await expect(checkInputFile('reads_1', path.join(FIXTURES, 'bad', 'qual_mismatch.fq'), READS)).rejects.toMatchObject(
      inputInvalid('reads_1: record 1 (r1), line 4: the quality has 121 characters but the sequence has 122; they must be the same length'),
    );
  });

  it('refuses empty.fa', async () => {
    await expect(checkInputFile('reads_1', path.join(FIXTURES, 'bad', 'empty.fa'), { formats: ['fastq'] })).rejects.toMatchObject(
      inputInvalid('reads_1: file is empty'),
    );
  });

  it('refuses not_fasta.txt, quoting its first line', async () => {
    await expect(checkInputFile('reads_1', path.join(FIXTURES, 'bad', 'not_fasta.txt'), { formats: ['fastq'] })).rejects.toMatchObject(
      inputInvalid('reads_1: not FASTQ: line 1 should be a header starting with "@" but reads "this is not a FASTA file"'),
    );
  });

  it('refuses FASTQ where only FASTA will do, and FASTA where only FASTQ will', async () => {
    await expect(checkInputFile('reference', path.join(FIXTURES, 'lambda_reads_1.fq.gz'), { formats: ['fasta'] })).rejects.toMatchObject(
      inputInvalid('reference: is FASTQ, but this needs FASTA'),
    );
    await expect(checkInputFile('reads_1', path.join(FIXTURES, 'lambda_virus.fa'), { formats: ['fastq'] })).rejects.toMatchObject(
      inputInvalid('reads_1: is FASTA, but this needs FASTQ'),
    );
  });
});

describe('FASTQ rules, on inline text', () => {
  const protein = async () => (await fs.readFile(path.join(FIXTURES, 'hbb_human.fa'), 'utf8')).split('\n').slice(1).join('');

  it('counts records and bases, hashes the text, ids only with keepIds', () => {
    const reads = '@a x\nACGT\n+\nIIII\n@b\nAC\n+b\n!~\n';
    expect(text(reads)).toEqual({ format: 'fastq', gzip: false, records: 2, residues: 6, sha256: sha256(Buffer.from(reads)), bytes: 29 });
    expect(text('@a x\nACGT\n+\nIIII\n', { ...READS, keepIds: true }).ids).toEqual(['a']);
  });

  it('accepts a quality that starts with "@" or "+", a last line without "\\n", empty reads and "." no-calls', () => {
    expect(text('@a\nACGT\n+\n@+II\n@b\nAC.N\n+\nIIII').records).toBe(2);
    expect(text('@e\n\n+\n\n@a\nA\n+\nI\n')).toMatchObject({ records: 2, residues: 1 });
  });

  it('accepts CRLF line endings and blank lines between records', () => {
    expect(text('@a\r\nACGT\r\n+\r\nIIII\r\n\r\n\n@b\r\nAC\r\n+\r\nII\r\n')).toMatchObject({ records: 2, residues: 6 });
  });

  it('accepts the id repeated on the "+" line, and refuses another id there', () => {
    expect(text('@r1 desc\nACGT\n+r1 desc\nIIII\n').records).toBe(1);
    expect(refusal('@r1\nACGT\n+\nIIII\n@r2\nACGT\n+r3\nIIII\n')).toMatchObject(
      inputInvalid('reads: record 2 (r2), line 7: the "+" line names "r3", not the record\'s id'),
    );
    expect(refusal('@r1\nACGT\n+r\nIIII\n')).toMatchObject(inputInvalid('reads: record 1 (r1), line 3: the "+" line names "r", not the record\'s id'));
    expect(refusal('@r1\nACGT\n+r12\nIIII\n')).toMatchObject(inputInvalid('reads: record 1 (r1), line 3: the "+" line names "r12", not the record\'s id'));
  });

  it('refuses a missing "+" line and a sequence wrapped over two lines', () => {
    expect(refusal('@r1\nACGT\nIIII\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 3: should be the "+" line after the sequence but reads "IIII" (records are 4 lines: header, sequence, "+", quality)'),
    );
    expect(refusal('@r1\nACGT\nACGT\n+\nIIIIIIII\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 3: should be the "+" line after the sequence but reads "ACGT" (records are 4 lines: header, sequence, "+", quality)'),
    );
  });

  it('refuses a longer quality too, at its line', () => {
    expect(refusal('@r1\nACGT\n+\nIIIII\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 4: the quality has 5 characters but the sequence has 4; they must be the same length'),
    );
  });

  it('says what is missing from a record cut short at each point', () => {
    const cut = (t: string) => (refusal(t) as Error).message;
    expect(cut('@r1\nA\n+\nI\n@r2')).toBe('reads: record 2 (r2) at line 5 is cut short: the file ends after its header line, without the sequence, "+" line and quality');
    expect(cut('@r1\nA\n+\nI\n@r2 x\n')).toBe('reads: record 2 (r2) at line 5 is cut short: the file ends after its header line, without the sequence, "+" line and quality');
    expect(cut('@r1\nACGT')).toBe('reads: record 1 (r1) at line 1 is cut short: the file ends after its sequence line, without the "+" line and quality');
    expect(cut('@r1\nACGT\n+\n')).toBe('reads: record 1 (r1) at line 1 is cut short: the file ends after its "+" line, without the quality');
    expect(cut('@r1\nACGT\n+r1')).toBe('reads: record 1 (r1) at line 1 is cut short: the file ends after its "+" line, without the quality');
    expect(cut('@r1\nACGT\n+\nII')).toBe('reads: record 1 (r1) at line 1 is cut short: the file ends after 2 of its 4 quality characters');
  });

  it('refuses a header without id, and text where a header should be', () => {
    expect(refusal('@\nACGT\n+\nIIII\n')).toMatchObject(inputInvalid('reads: record 1 at line 1 has no id after "@"'));
    expect(refusal('@ r1\nACGT\n+\nIIII\n')).toMatchObject(inputInvalid('reads: record 1 at line 1 has no id after "@"'));
    expect(refusal('@r1\nACGT\n+\nIIII\nACGT\n')).toMatchObject(inputInvalid('reads: line 5 should start record 2 with "@" but reads "ACGT"'));
    expect(refusal(`ACGT${'x'.repeat(60)}\n`, { formats: ['fastq'] })).toMatchObject(
      inputInvalid(`reads: not FASTQ: line 1 should be a header starting with "@" but reads "ACGT${'x'.repeat(36)}…"`),
    );
  });

  it('refuses gaps, digits and stray CRs in a read, naming line and column', () => {
    expect(refusal('@r1\nAC-GT\n+\nIIIII\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 2, column 3: "-" is not allowed in a read; use IUPAC letters, or "." for a no-call'),
    );
    expect(refusal('@r1\nA\n+\nI\n@r2\nACGT1\n+\nIIIII\n')).toMatchObject(
      inputInvalid('reads: record 2 (r2), line 6, column 5: "1" is not allowed in a read; use IUPAC letters, or "." for a no-call'),
    );
    expect(refusal('@r1\nAC\rGT\n+\nIIIII\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 2, column 3: byte 0x0D is not allowed in a read; use IUPAC letters, or "." for a no-call'),
    );
  });

  it('refuses quality characters outside "!".."~"', () => {
    expect(refusal('@r1\nACGT\n+\nII I\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 4, column 3: byte 0x20 is not a quality character; use "!" to "~" (Phred+33)'),
    );
    expect(refusal('@r1\nACGT\n+\nIII\rI\n')).toMatchObject(
      inputInvalid('reads: record 1 (r1), line 4, column 4: byte 0x0D is not a quality character; use "!" to "~" (Phred+33)'),
    );
  });

  it('refuses protein reads where nucleotide is needed (over 10% non-nucleotide letters), accepts them otherwise', async () => {
    const seq = await protein();
    const fastq = `@HBB_HUMAN\n${seq}\n+\n${'I'.repeat(seq.length)}\n`;
    expect(refusal(fastq)).toMatchObject(
      inputInvalid(
        'reads: record 1 (HBB_HUMAN) looks like protein, not nucleotide: 30% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)',
      ),
    );
    expect(text(fastq, { formats: ['fastq'], residues: 'any' }).residues).toBe(146);
  });

  it('refuses empty text, naming it FASTQ text when FASTQ comes first', () => {
    expect(refusal('')).toMatchObject(inputInvalid('reads: FASTQ text is empty'));
    expect(refusal('\n \n')).toMatchObject(inputInvalid('reads: FASTQ text is empty'));
  });
});

describe('CRLF, as the aligners read it', () => {
  it('bwa mem aligns a CRLF FASTQ exactly as its LF copy, and the check counts both alike', async () => {
    await fs.copyFile(path.join(FIXTURES, 'lambda_virus.fa'), path.join(tmp, 'ref.fa'));
    await tool('bwa', ['index', 'ref.fa'], tmp);
    const lf = zlib.gunzipSync(await fs.readFile(path.join(FIXTURES, 'lambda_reads_1.fq.gz'))).toString('latin1').split('\n').slice(0, 400).join('\n') + '\n';
    await writeFile(path.join(tmp, 'lf.fq'), lf);
    await writeFile(path.join(tmp, 'crlf.fq'), lf.replace(/\n/g, '\r\n'));
    const align = async (reads: string) => (await toolText('bwa', ['mem', 'ref.fa', reads], tmp)).replace(/^@PG.*\n/m, '');
    expect(await align('crlf.fq')).toBe(await align('lf.fq'));
    const [a, b] = await Promise.all(['lf.fq', 'crlf.fq'].map((f) => checkInputFile('reads_1', path.join(tmp, f), READS)));
    expect(b).toMatchObject({ records: 100, residues: a!.residues });
  });
});
