// minimap2: long reads (Nanopore, PacBio), short reads or assembly contigs against a reference,
// sorted into aligned.bam with its index, as bwa_mem does. The reference's .mmi index is built
// once per reference content and preset and cached: an index keeps the k-mer and window sizes of
// the preset it was built with, so each preset has its own. Mapping against the .mmi gives the
// same records as against the FASTA, and the same with any thread count (minimap2's batches are
// counted in bases, -K 500M, whatever -t is), so no option is added for that.
import { z } from 'zod';
import { alignAndSortSteps, alignmentOutputs } from './alignment-steps.js';
import { summarizeAlignments } from './alignment-summary.js';
import { GiB, inputReference, readGroup } from './common-options.js';
import { defineTool, type BinarySpec, type IndexKind } from './define-tool.js';
import { samtoolsBinary } from './samtools-kinds.js';
import { sumOnStderr } from './stderr-progress.js';

export const minimap2Binary: BinarySpec = {
  name: 'minimap2',
  versionArgs: ['--version'],
  versionPattern: /^(\S+)/,
  install: { apt: 'minimap2', brew: 'minimap2', conda: 'bioconda minimap2' },
};

export const MINIMAP2_PRESETS = ['map-ont', 'map-pb', 'map-hifi', 'sr', 'asm5', 'asm20', 'splice'] as const;

/**
 * The index variant of a run without a preset: minimap2's own defaults, no -x. Named apart from
 * every preset (even map-ont, whose index is the same today) so a future minimap2 that changes
 * its defaults can never be handed an index built for something else.
 */
export const NO_PRESET_VARIANT = 'default';

const presetOption = (variant: string | undefined): string[] => (variant === undefined || variant === NO_PRESET_VARIANT ? [] : ['-x', variant]);

export const minimap2Index: IndexKind = {
  kind: 'minimap2',
  title: 'minimap2 index (.mmi)',
  binary: minimap2Binary,
  sourceName: 'reference.fa',
  build: ({ source, variant, threads }) => [['minimap2', ...presetOption(variant), '-t', String(threads), '-d', mmiFile(source, variant), source]],
  files: ({ source, variant }) => [mmiFile(source, variant)],
  use: ({ source, variant }) => mmiFile(source, variant),
};

function mmiFile(source: string, variant: string | undefined): string {
  return `${source}.${variant ?? NO_PRESET_VARIANT}.mmi`;
}

const preset = z
  .enum(MINIMAP2_PRESETS, { message: `must be one of ${MINIMAP2_PRESETS.map((p) => `"${p}"`).join(', ')}` })
  .optional()
  .describe(
    'minimap2 -x preset for the kind of reads: "map-ont" (Nanopore), "map-pb" (PacBio CLR), "map-hifi" (PacBio HiFi/CCS), "sr" (short reads, Illumina; pairs need it), ' +
      '"asm5" / "asm20" (assembly contigs against a reference about 0.1% / 5% divergent), "splice" (spliced long reads, RNA against a genome). ' +
      "Leave it out to run minimap2 with its own defaults (no -x; close to map-ont).",
  );

const input = z.strictObject({
  reference: inputReference('Reference genome (nucleotide FASTA, gzip allowed)'),
  reads: inputReference('Reads or contigs to align (FASTQ or FASTA, gzip allowed); for paired-end data the first mates', 'the FASTQ text itself (starting with "@")'),
  reads_2: inputReference(
    'Second mates of paired-end short reads, in the same order as reads (FASTQ or FASTA, gzip allowed). Aligned as pairs only with preset "sr"; with another preset or none, minimap2 aligns both files as single reads',
    'the FASTQ text itself',
  ).optional(),
  preset,
  read_group: readGroup('minimap2 -R').optional(),
});

// "[M::worker_pipeline::0.152*0.62] mapped 4000 sequences", once per batch (of 500 Mbp).
const mappedSequences = sumOnStderr(/^\[M::worker_pipeline::[^\]]*\] mapped (\d+) sequences/);

export const minimap2 = defineTool({
  name: 'minimap2',
  title: 'minimap2: align long reads, short reads or contigs to a reference',
  description:
    'Align Nanopore or PacBio long reads, short reads (single or paired-end) or assembly contigs to a reference genome with minimap2, and get a coordinate-sorted BAM with its index. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (mapped %, properly paired %, mean depth, coverage) and download links. ' +
    'Choose preset for the data: "map-ont", "map-pb", "map-hifi", "sr" (short reads; needed for pairs), "asm5", "asm20" or "splice". The reference index is built on first use for each preset and cached. ' +
    'reference: nucleotide FASTA; reads (and reads_2 for pairs): FASTQ or FASTA, gzip allowed; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file> from an earlier job. ' +
    'The BAM (job://<job_id>/aligned.bam) can go straight into the samtools tools or a variant caller.',
  queue: 'align',
  binaries: [minimap2Binary, samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [
    {
      param: 'reference',
      formats: ['fasta'],
      residues: 'nucleotide',
      readsGzip: true,
      indexes: (p) => [{ index: minimap2Index, variant: (p.preset as string | undefined) ?? NO_PRESET_VARIANT }],
    },
    { param: 'reads', formats: ['fastq', 'fasta'], residues: 'nucleotide', readsGzip: true },
    // minimap2 pairs the two files record by record and, when one runs out, skips the rest of
    // the other with a warning and exits 0 (half a run that looks whole): refused before it runs.
    { param: 'reads_2', formats: ['fastq', 'fasta'], residues: 'nucleotide', readsGzip: true, optional: true, mateOf: 'reads' },
  ],
  steps: (p, ctx) => {
    const argv = ['minimap2', '-a', ...presetOption(p.preset), '-t', String(ctx.threads)];
    if (p.read_group) argv.push('-R', p.read_group);
    argv.push(ctx.index('reference', minimap2Index), ctx.input('reads'));
    if (ctx.has('reads_2')) argv.push(ctx.input('reads_2'));
    return alignAndSortSteps(argv, ctx.threads, {
      from: 'stderr',
      of: { inputs: ['reads', 'reads_2'], count: 'records' },
      unit: 'reads',
      tracker: mappedSequences,
    });
  },
  outputs: () => alignmentOutputs(),
  summarize: async (_p, outputs) => ({ ...(await summarizeAlignments(outputs)) }),
  limits: { maxOutputBytes: 500 * GiB },
});
