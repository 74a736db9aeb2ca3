// bwa mem: short reads (single or paired) against a reference, sorted into aligned.bam with its
// index. The reference's bwa index is built once per reference content and cached. -K fixes
// the batch size, so the alignments are the same whatever the worker's thread count.
import { z } from 'zod';
import { alignAndSortSteps, alignmentOutputs } from './alignment-steps.js';
import { summarizeAlignments } from './alignment-summary.js';
import { GiB, inputReference, readGroup } from './common-options.js';
import { defineTool, type BinarySpec, type IndexKind } from './define-tool.js';
import { samtoolsBinary } from './samtools-kinds.js';
import { sumOnStderr } from './stderr-progress.js';

export const bwaBinary: BinarySpec = {
  name: 'bwa',
  // bwa has no version flag: run bare, it prints its usage with "Version: 0.7.17-r1188" (and exits 1).
  versionArgs: [],
  versionPattern: /Version: (\S+)/,
  install: { apt: 'bwa', brew: 'bwa', conda: 'bioconda bwa' },
};

export const bwaIndex: IndexKind = {
  kind: 'bwa',
  title: 'bwa index',
  binary: bwaBinary,
  sourceName: 'reference.fa',
  build: ({ source }) => [['bwa', 'index', source]],
  files: ({ source }) => ['amb', 'ann', 'bwt', 'pac', 'sa'].map((ext) => `${source}.${ext}`),
  use: ({ source }) => source,
};

/** bwa's own batch size in bases (its default per thread is 10 Mbp), fixed so results never depend on threads. */
export const BWA_BATCH_BASES = '10000000';

const input = z.strictObject({
  reference: inputReference('Reference genome (nucleotide FASTA, gzip allowed)'),
  reads_1: inputReference('Reads (FASTQ or FASTA, gzip allowed); for paired-end data the first mates', 'the FASTQ text itself (starting with "@")'),
  reads_2: inputReference('Second mates of paired-end reads, in the same order as reads_1 (FASTQ or FASTA, gzip allowed)', 'the FASTQ text itself').optional(),
  read_group: readGroup('bwa mem -R').optional(),
});

// "[M::mem_process_seqs] Processed 4000 reads in 0.131 CPU sec, 0.130 real sec", once per batch.
const processedReads = sumOnStderr(/^\[M::mem_process_seqs\] Processed (\d+) reads/);

export const bwaMem = defineTool({
  name: 'bwa_mem',
  title: 'BWA-MEM: align short reads to a reference',
  description:
    'Align short reads (Illumina, single or paired-end FASTQ) to a reference genome with bwa mem, and get a coordinate-sorted BAM with its index. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (mapped %, properly paired %, mean depth, coverage) and download links. ' +
    'The reference index is built on first use and cached, so later jobs on the same reference start at once. ' +
    'reference: nucleotide FASTA; reads_1 (and reads_2 for pairs): FASTQ, gzip allowed; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job. ' +
    'The BAM (job://<job_id>/aligned.bam) can go straight into bcftools_call_async or the samtools tools.',
  queue: 'align',
  binaries: [bwaBinary, samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [
    { param: 'reference', formats: ['fasta'], residues: 'nucleotide', readsGzip: true, indexes: () => [{ index: bwaIndex }] },
    { param: 'reads_1', formats: ['fastq', 'fasta'], residues: 'nucleotide', readsGzip: true },
    { param: 'reads_2', formats: ['fastq', 'fasta'], residues: 'nucleotide', readsGzip: true, optional: true, mateOf: 'reads_1' },
  ],
  steps: (p, ctx) => {
    const argv = ['bwa', 'mem', '-K', BWA_BATCH_BASES, '-t', String(ctx.threads)];
    if (p.read_group) argv.push('-R', p.read_group);
    argv.push(ctx.index('reference', bwaIndex), ctx.input('reads_1'));
    if (ctx.has('reads_2')) argv.push(ctx.input('reads_2'));
    return alignAndSortSteps(argv, ctx.threads, {
      from: 'stderr',
      of: { inputs: ['reads_1', 'reads_2'], count: 'records' },
      unit: 'reads',
      tracker: processedReads,
    });
  },
  outputs: () => alignmentOutputs(),
  errors: [
    { when: /paired reads have different names/, field: 'reads_2', message: () => 'reads_2: its reads are not the mates of reads_1 (names differ at the same position)' },
  ],
  summarize: async (_p, outputs) => ({ ...(await summarizeAlignments(outputs)) }),
  limits: { maxOutputBytes: 500 * GiB },
});
