// Gzip inputs: the hash and size are of the content (so ref.fa and ref.fa.gz hash the same),
// decompressTo is byte-identical to gunzip's output, and a gzip stream cut short, corrupted or
// followed by junk is refused by name. Every compressed file here is made by gzip or bgzip.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile } from '../../src/inputs/check-input.js';
import { sha256, tool } from './bio-tools.js';
import { inputInvalid } from './expect-error.js';
import { FIXTURES, isAbsent, makeTempDir, writeFile } from './temp-dir.js';

const READS_1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const READS = { formats: ['fastq'] } as const;

let tmp: string;
let n = 0;
const at = (name: string) => path.join(tmp, `${++n}-${name}`);
const gunzip = async (file: string) => (await tool('gzip', ['-dc', file], tmp)).stdout;

beforeAll(async () => {
  tmp = await makeTempDir('gzip');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('the content of gzip text', () => {
  it('hashes and sizes the decompressed bytes, as gunzip -c gives them and the fixtures README lists', async () => {
    const content = await gunzip(READS_1);
    const check = await checkInputFile('reads_1', READS_1, READS);
    expect(check).toMatchObject({ gzip: true, sha256: sha256(content), bytes: content.length });
    expect(check.sha256).toBe('54ac1a07150a5494b0c98c5431ae03362694c02331f9ad26876c40935e6513c0');
  });

  it('gives ref.fa and ref.fa.gz the same hash, counts and ids', async () => {
    const plain = path.join(FIXTURES, 'lambda_virus.fa');
    const gz = at('ref.fa.gz');
    await writeFile(gz, (await tool('gzip', ['-c', plain], tmp)).stdout);
    const expect_ = { formats: ['fasta'], residues: 'nucleotide', keepIds: true } as const;
    const [a, b] = await Promise.all([checkInputFile('reference', plain, expect_), checkInputFile('reference', gz, expect_)]);
    expect(b).toEqual({ ...a, gzip: true });
    expect(a.sha256).toBe('0a04f81952deb68c204e8ae67e0573cb97d348f18ab1b527630d57c294028cf5');
  });

  it('reads BGZF (bgzip) and multi-member gzip as one stream', async () => {
    const content = await gunzip(READS_1);
    const bgzf = at('reads.fq.bgz');
    await writeFile(bgzf, (await tool('bgzip', ['-c'], tmp, { input: content })).stdout);
    const twice = at('twice.fq.gz');
    await writeFile(twice, Buffer.concat([await fs.readFile(READS_1), await fs.readFile(READS_1)]));
    await expect(checkInputFile('reads_1', bgzf, READS)).resolves.toMatchObject({ gzip: true, records: 2000, sha256: sha256(content) });
    await expect(checkInputFile('reads_1', twice, READS)).resolves.toMatchObject({ records: 4000, residues: 2 * 214798, bytes: 2 * content.length });
  });
});

describe('decompressTo', () => {
  it('writes exactly what gunzip -c writes', async () => {
    const out = at('reads_1.fq');
    const check = await checkInputFile('reads_1', READS_1, READS, { decompressTo: out });
    expect(check.decompressedTo).toBe(out);
    expect((await fs.readFile(out)).equals(await gunzip(READS_1))).toBe(true);
  });

  it('writes nothing for a file that is not compressed, and says so by leaving decompressedTo out', async () => {
    const out = at('copy.fa');
    const check = await checkInputFile('reference', path.join(FIXTURES, 'lambda_virus.fa'), { formats: ['fasta'] }, { decompressTo: out });
    expect(check.decompressedTo).toBeUndefined();
    expect(await isAbsent(out)).toBe(true);
  });

  it('leaves no partial copy behind when the input is refused', async () => {
    const truncated = at('truncated.fq.gz');
    await writeFile(truncated, (await tool('gzip', ['-c', path.join(FIXTURES, 'bad', 'truncated.fq')], tmp)).stdout);
    const out = at('never.fq');
    await expect(checkInputFile('reads_1', truncated, READS, { decompressTo: out })).rejects.toMatchObject({ code: 'input_invalid' });
    expect(await isAbsent(out)).toBe(true);
  });

  it('is an infrastructure error when the copy cannot be written', async () => {
    const out = path.join(tmp, 'no-such-dir', 'reads.fq');
    await expect(checkInputFile('reads_1', READS_1, READS, { decompressTo: out })).rejects.toMatchObject({
      code: 'infrastructure',
      message: expect.stringMatching(/^reads_1: cannot write the decompressed copy to ".*no-such-dir\/reads\.fq": Error: ENOENT/),
    });
  });
});

describe('broken gzip', () => {
  it('refuses a .fq.gz cut short (head -c), naming the field', async () => {
    const cut = at('cut.fq.gz');
    await writeFile(cut, (await tool('head', ['-c', '100000', READS_1], tmp)).stdout);
    await expect(checkInputFile('reads_1', cut, READS)).rejects.toMatchObject(
      inputInvalid('reads_1: the gzip data is truncated or corrupt (unexpected end of file)'),
    );
  });

  it('refuses a stream whose checksum does not match', async () => {
    const bytes = Buffer.from(await fs.readFile(READS_1));
    bytes[bytes.length - 8]! ^= 0xff; // the CRC32 in the gzip trailer
    const corrupt = await writeFile(at('corrupt.fq.gz'), bytes);
    await expect(checkInputFile('reads_1', corrupt, READS)).rejects.toMatchObject(
      inputInvalid('reads_1: the gzip data is truncated or corrupt (incorrect data check)'),
    );
  });

  it('refuses bytes after the gzip end that are not another member', async () => {
    const junk = await writeFile(at('junk.fq.gz'), Buffer.concat([await fs.readFile(READS_1), Buffer.from('not gzip\n')]));
    await expect(checkInputFile('reads_1', junk, READS)).rejects.toMatchObject(
      inputInvalid('reads_1: the gzip data is followed by bytes that are not another gzip member'),
    );
  });

  it('refuses a gzip file that holds nothing', async () => {
    const empty = at('empty.fq.gz');
    await writeFile(empty, (await tool('gzip', ['-c', path.join(FIXTURES, 'bad', 'empty.fa')], tmp)).stdout);
    await expect(checkInputFile('reads_1', empty, READS)).rejects.toMatchObject(inputInvalid('reads_1: decompressed file is empty'));
  });
});
