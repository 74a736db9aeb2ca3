// SAM and BAM made by bwa mem and samtools from the lambda fixtures: counted as samtools counts
// them, and refused when cut short (a killed samtools), malformed, or of another format.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputText } from '../../src/inputs/check-input.js';
import { sha256, tool, toolText } from './bio-tools.js';
import { caught, inputInvalid } from './expect-error.js';
import { makeInputs, type MadeInputs } from './made-inputs.js';
import { FIXTURES, makeTempDir, writeFile } from './temp-dir.js';

const ALIGNMENTS = { formats: ['sam', 'bam'] } as const;

let tmp: string;
let made: MadeInputs;
let n = 0;
const at = (name: string) => path.join(tmp, `${++n}-${name}`);
const samtoolsCount = async (file: string) => Number(await toolText('samtools', ['view', '-c', file], tmp));

beforeAll(async () => {
  tmp = await makeTempDir('alignments');
  made = await makeInputs(tmp);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('BAM', () => {
  it('counts the records samtools view -c counts (4,008), hashing the file bytes', async () => {
    const check = await checkInputFile('alignments', made.bam, ALIGNMENTS);
    const bytes = await fs.readFile(made.bam);
    expect(check).toEqual({ format: 'bam', gzip: false, records: await samtoolsCount(made.bam), residues: 0, sha256: sha256(bytes), bytes: bytes.length });
    expect(check.records).toBe(4008);
  });

  it('refuses a BAM without its end-of-file block, as a killed samtools leaves it', async () => {
    const bytes = await fs.readFile(made.bam);
    const cut = await writeFile(at('no-eof.bam'), bytes.subarray(0, bytes.length - 28));
    await expect(checkInputFile('alignments', cut, ALIGNMENTS)).rejects.toMatchObject(
      inputInvalid('alignments: BAM has no end-of-file marker (the empty BGZF block samtools writes last): the file was cut short'),
    );
  });

  it('refuses a BAM cut inside a BGZF block', async () => {
    const cut = at('half.bam');
    await writeFile(cut, (await tool('head', ['-c', String(Math.floor((await fs.stat(made.bam)).size / 2)), made.bam], tmp)).stdout);
    await expect(checkInputFile('alignments', cut, ALIGNMENTS)).rejects.toMatchObject(
      inputInvalid("alignments: the BAM's BGZF data is truncated or corrupt (unexpected end of file)"),
    );
  });

  it('refuses BGZF holding a BAM cut inside a record, or inside its header', async () => {
    const raw = (await tool('gzip', ['-dc', made.bam], tmp)).stdout;
    const recompress = async (name: string, bytes: Buffer) => writeFile(at(name), (await tool('bgzip', ['-c'], tmp, { input: bytes })).stdout);
    const lastRecord = await recompress('cut-record.bam', raw.subarray(0, raw.length - 10));
    await expect(checkInputFile('alignments', lastRecord, ALIGNMENTS)).rejects.toMatchObject(inputInvalid('alignments: BAM is cut short inside record 4008'));
    const header = await recompress('cut-header.bam', raw.subarray(0, 20));
    await expect(checkInputFile('alignments', header, ALIGNMENTS)).rejects.toMatchObject(inputInvalid('alignments: BAM is cut short inside its header'));
  });

  it('refuses BAM where reads, a reference or variants are needed', async () => {
    await expect(checkInputFile('reads_1', made.bam, { formats: ['fastq', 'fasta'] })).rejects.toMatchObject(
      inputInvalid('reads_1: is BAM, but this needs FASTQ or FASTA'),
    );
    await expect(checkInputFile('variants', made.bam, { formats: ['vcf'] })).rejects.toMatchObject(inputInvalid('variants: is BAM, but this needs VCF'));
  });

  it('refuses text where only BAM will do', async () => {
    await expect(checkInputFile('alignments', path.join(FIXTURES, 'bad', 'not_fasta.txt'), { formats: ['bam'] })).rejects.toMatchObject(
      inputInvalid('alignments: not BAM: the data does not start with "BAM\\1" once BGZF-decompressed'),
    );
    await expect(checkInputFile('alignments', made.sam, { formats: ['bam'] })).rejects.toMatchObject(inputInvalid('alignments: is SAM, but this needs BAM'));
  });
});

describe('SAM', () => {
  it('counts the records samtools view -c counts, with and without header', async () => {
    const withHeader = await checkInputFile('alignments', made.sam, ALIGNMENTS);
    expect(withHeader).toMatchObject({ format: 'sam', gzip: false, records: await samtoolsCount(made.sam) });
    expect(withHeader.records).toBe(4008);
    await expect(checkInputFile('alignments', made.headerlessSam, ALIGNMENTS)).resolves.toMatchObject({ format: 'sam', records: 4008 });
  });

  it('accepts a header-only SAM as 0 records', () => {
    expect(checkInputText('alignments', '@HD\tVN:1.6\n@SQ\tSN:chr1\tLN:100\n', ALIGNMENTS)).toMatchObject({ format: 'sam', records: 0 });
  });

  it('refuses a blank line, as samtools does (even a trailing one)', async () => {
    const file = await writeFile(at('blank.sam'), Buffer.concat([await fs.readFile(made.sam), Buffer.from('\n')]));
    const lines = (await fs.readFile(made.sam, 'utf8')).split('\n').length; // the blank one is the last
    expect((await tool('samtools', ['view', '-c', file], tmp, { ok: false })).stderr).toContain(`Parse error at line ${lines}`);
    await expect(checkInputFile('alignments', file, ALIGNMENTS)).rejects.toMatchObject(
      inputInvalid(`alignments: line ${lines} is empty; samtools refuses blank lines in SAM`),
    );
  });

  it('refuses a record with fewer than 11 fields, a header after records, and junk', () => {
    const sam = (lines: string[]) => caught(() => checkInputText('alignments', `${lines.join('\n')}\n`, ALIGNMENTS));
    const record = 'r1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII';
    expect(sam(['@HD\tVN:1.6', record, 'r2\t0\tchr1\t1\t60'])).toMatchObject(
      inputInvalid('alignments: line 3 has 5 TAB-separated fields; a SAM alignment has at least 11'),
    );
    expect(sam([record, '@CO\tlate'])).toMatchObject(inputInvalid('alignments: line 2 is a header line after the alignments; headers must come first'));
    expect(sam(['@HD\tVN:1.6', '@oops'])).toMatchObject(inputInvalid('alignments: line 2 should be a header line ("@" + two letters + TAB) but reads "@oops"'));
    expect(caught(() => checkInputText('alignments', 'chr1\t100\n', { formats: ['sam'] }))).toMatchObject(
      inputInvalid(
        'alignments: not SAM: line 1 should be a header line (@HD, @SQ, @RG, @PG or @CO, then a TAB) or an alignment of at least 11 TAB-separated fields, but reads "chr1\\t100"',
      ),
    );
  });

  it('refuses CRAM and VCF by name', async () => {
    await expect(checkInputFile('alignments', made.cram, ALIGNMENTS)).rejects.toMatchObject(inputInvalid('alignments: is a CRAM file, but this needs SAM or BAM'));
    await expect(checkInputFile('alignments', made.vcfGz, ALIGNMENTS)).rejects.toMatchObject(inputInvalid('alignments: is a VCF file, but this needs SAM or BAM'));
  });
});
