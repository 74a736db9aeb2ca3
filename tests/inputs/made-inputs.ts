// Alignment and variant inputs made by the real tools from the lambda fixtures, the way a user's
// files are made: bwa mem → samtools sort (BAM), samtools view (SAM, CRAM), bcftools mpileup →
// call (VCF, bgzipped VCF, BCF). Built once per test file in a temp dir, in well under a second.
import fs from 'node:fs/promises';
import path from 'node:path';
import { tool } from './bio-tools.js';
import { FIXTURES } from './temp-dir.js';

export interface MadeInputs {
  dir: string;
  ref: string;
  /** SAM with header, as bwa mem wrote it. */
  sam: string;
  /** The same records without header (samtools view without -h). */
  headerlessSam: string;
  bam: string;
  cram: string;
  vcfGz: string;
  /** calls.vcf.gz decompressed. */
  vcf: string;
  bcf: string;
}

export async function makeInputs(dir: string): Promise<MadeInputs> {
  const at = (name: string) => path.join(dir, name);
  await fs.copyFile(path.join(FIXTURES, 'lambda_virus.fa'), at('ref.fa'));
  await tool('bwa', ['index', 'ref.fa'], dir);
  await tool('bwa', ['mem', '-t', '2', '-o', 'aln.sam', 'ref.fa', path.join(FIXTURES, 'lambda_reads_1.fq.gz'), path.join(FIXTURES, 'lambda_reads_2.fq.gz')], dir);
  await tool('samtools', ['sort', '-T', at('sort-tmp'), '-o', 'aln.bam', 'aln.sam'], dir);
  await tool('samtools', ['view', '-o', 'headerless.sam', 'aln.bam'], dir);
  await tool('samtools', ['faidx', 'ref.fa'], dir);
  await tool('samtools', ['view', '-C', '-T', 'ref.fa', '-o', 'aln.cram', 'aln.bam'], dir);
  await tool('bcftools', ['mpileup', '-f', 'ref.fa', '-Ou', '-o', 'pileup.bcf', 'aln.bam'], dir);
  await tool('bcftools', ['call', '-mv', '-Oz', '-o', 'calls.vcf.gz', 'pileup.bcf'], dir);
  await tool('bcftools', ['view', '-Ob', '-o', 'calls.bcf', 'calls.vcf.gz'], dir);
  await fs.writeFile(at('calls.vcf'), (await tool('gzip', ['-dc', 'calls.vcf.gz'], dir)).stdout);
  return {
    dir,
    ref: at('ref.fa'),
    sam: at('aln.sam'),
    headerlessSam: at('headerless.sam'),
    bam: at('aln.bam'),
    cram: at('aln.cram'),
    vcfGz: at('calls.vcf.gz'),
    vcf: at('calls.vcf'),
    bcf: at('calls.bcf'),
  };
}
