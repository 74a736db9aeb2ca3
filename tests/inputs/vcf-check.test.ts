// VCF called by bcftools from the lambda fixtures, plain and bgzipped: counted as bcftools counts
// records, and refused when malformed or binary (BCF).
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputText } from '../../src/inputs/check-input.js';
import { sha256, tool, toolText } from './bio-tools.js';
import { caught, inputInvalid } from './expect-error.js';
import { makeInputs, type MadeInputs } from './made-inputs.js';
import { FIXTURES, makeTempDir, writeFile } from './temp-dir.js';

const VARIANTS = { formats: ['vcf'] } as const;

let tmp: string;
let made: MadeInputs;
let lines: string[];
let n = 0;
const at = (name: string) => path.join(tmp, `${++n}-${name}`);

beforeAll(async () => {
  tmp = await makeTempDir('vcf');
  made = await makeInputs(tmp);
  lines = (await fs.readFile(made.vcf, 'utf8')).trimEnd().split('\n');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('VCF from bcftools call', () => {
  it('counts the records bcftools view -H lists (84), bgzipped or plain, with one hash for both', async () => {
    const listed = (await toolText('bcftools', ['view', '-H', made.vcfGz], tmp)).trimEnd().split('\n').length;
    const gz = await checkInputFile('variants', made.vcfGz, VARIANTS);
    const plain = await checkInputFile('variants', made.vcf, VARIANTS);
    expect(gz).toMatchObject({ format: 'vcf', gzip: true, records: listed, residues: 0 });
    expect(gz.records).toBe(84);
    expect(plain).toEqual({ ...gz, gzip: false });
    expect(plain.sha256).toBe(sha256(await fs.readFile(made.vcf)));
  });

  it('accepts a VCF with a header and no records', () => {
    const header = lines.filter((l) => l.startsWith('#'));
    expect(checkInputText('variants', `${header.join('\n')}\n`, VARIANTS)).toMatchObject({ format: 'vcf', records: 0 });
  });

  it('refuses BCF and BAM by name', async () => {
    await expect(checkInputFile('variants', made.bcf, VARIANTS)).rejects.toMatchObject(inputInvalid('variants: is a BCF file (binary VCF), but this needs VCF'));
    await expect(checkInputFile('variants', made.bam, VARIANTS)).rejects.toMatchObject(inputInvalid('variants: is BAM, but this needs VCF'));
  });
});

describe('malformed VCF', () => {
  const vcf = (ls: string[]) => caught(() => checkInputText('variants', `${ls.join('\n')}\n`, VARIANTS));
  const chromAt = () => lines.findIndex((l) => l.startsWith('#CHROM'));

  it('refuses a blank line, as bcftools does', async () => {
    const file = await writeFile(at('blank.vcf'), `${lines.join('\n')}\n\n`);
    const run = await tool('bcftools', ['view', '-H', file], tmp, { ok: false });
    expect(run.exitCode).not.toBe(0);
    await expect(checkInputFile('variants', file, VARIANTS)).rejects.toMatchObject(
      inputInvalid(`variants: line ${lines.length + 1} is empty; bcftools refuses blank lines in VCF`),
    );
  });

  it('refuses a record with fewer than 8 fields, naming its line', () => {
    const cut = [...lines];
    cut[chromAt() + 3] = cut[chromAt() + 3]!.split('\t').slice(0, 5).join('\t');
    expect(vcf(cut)).toMatchObject(inputInvalid(`variants: line ${chromAt() + 4} has 5 TAB-separated fields; a VCF record has at least 8`));
  });

  it('refuses records before the #CHROM line, and a file without one', () => {
    const without = lines.filter((l) => !l.startsWith('#CHROM'));
    expect(vcf(without)).toMatchObject(inputInvalid(`variants: line ${chromAt() + 1} is a record, but the "#CHROM" header line has not come yet`));
    const meta = lines.filter((l) => l.startsWith('##'));
    expect(vcf(meta)).toMatchObject(inputInvalid(`variants: the file has no "#CHROM" header line; it ends after ${meta.length} "##" lines`));
  });

  it('refuses a "#" line among the records and a mangled #CHROM line', () => {
    expect(vcf([...lines, '##late=1'])).toMatchObject(
      inputInvalid(`variants: line ${lines.length + 1} is a "#" line among the records, after the "#CHROM" header line at line ${chromAt() + 1}`),
    );
    const mangled = [...lines];
    mangled[chromAt()] = '#CHROM POS ID';
    expect(vcf(mangled)).toMatchObject(
      inputInvalid(
        `variants: line ${chromAt() + 1} should be the header line "#CHROM<TAB>POS<TAB>ID<TAB>REF<TAB>ALT<TAB>QUAL<TAB>FILTER<TAB>INFO…" but reads "#CHROM POS ID"`,
      ),
    );
  });

  it('refuses text that is not VCF, quoting its first line', async () => {
    await expect(checkInputFile('variants', path.join(FIXTURES, 'bad', 'not_fasta.txt'), VARIANTS)).rejects.toMatchObject(
      inputInvalid('variants: not VCF: line 1 should be "##fileformat=VCFv4.x" but reads "this is not a FASTA file"'),
    );
    expect(caught(() => checkInputText('variants', '', VARIANTS))).toMatchObject(inputInvalid('variants: VCF text is empty'));
  });
});
