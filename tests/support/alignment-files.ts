// Alignment files for the tests of the samtools tools, made by hand from the lambda fixtures with
// minimap2 and samtools in a folder of the test's choosing (inside the input roots, so jobs can
// take them by path): the aligner's SAM as it comes out (grouped by read name, not sorted), the
// same as an unsorted BAM, a coordinate-sorted BAM without an index beside it, and that BAM cut
// short two ways.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FIXTURES } from './harness.js';

export interface AlignmentFiles {
  /** minimap2 -a -x sr output of the lambda pairs: 4,005 records, header first. */
  sam: string;
  unsortedBam: string;
  sortedBam: string;
  /** sortedBam without its last 1,000 bytes: cut inside a BGZF block. */
  cutBam: string;
  /** sortedBam without the empty BGZF block that ends it: whole records, as samtools killed between blocks leaves it. */
  noEofBam: string;
}

export async function makeAlignmentFiles(dir: string): Promise<AlignmentFiles> {
  const script = [
    `minimap2 -a -x sr "${FIXTURES}/lambda_virus.fa" "${FIXTURES}/lambda_reads_1.fq.gz" "${FIXTURES}/lambda_reads_2.fq.gz" > lambda.sam 2> /dev/null`,
    'samtools view -b -o lambda.unsorted.bam lambda.sam',
    'samtools sort -o lambda.sorted.bam lambda.sam',
    'head -c $(( $(stat -c %s lambda.sorted.bam) - 1000 )) lambda.sorted.bam > lambda.cut.bam',
    'head -c $(( $(stat -c %s lambda.sorted.bam) - 28 )) lambda.sorted.bam > lambda.no-eof.bam',
  ].join('\n');
  await fs.mkdir(dir, { recursive: true });
  await execa('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, stdin: 'ignore' });
  return {
    sam: path.join(dir, 'lambda.sam'),
    unsortedBam: path.join(dir, 'lambda.unsorted.bam'),
    sortedBam: path.join(dir, 'lambda.sorted.bam'),
    cutBam: path.join(dir, 'lambda.cut.bam'),
    noEofBam: path.join(dir, 'lambda.no-eof.bam'),
  };
}
