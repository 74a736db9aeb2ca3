// The pipelines: named chains of catalog tools, defined as data beside the tools they run, and
// run_pipeline, whose steps the caller writes. Each becomes an MCP tool `<name>_async` and a REST
// job_type like any tool; a pipeline is one job whose steps run on their own tools' queues.
import { z } from 'zod';
import { ALIGNED_BAM } from './alignment-steps.js';
import { inputReference, readGroup } from './common-options.js';
import { definePipeline, stepRef, type AnyPipelineDefinition } from './define-pipeline.js';
import { TRIMMED_1, TRIMMED_2 } from './fastp.js';
import { genomicRegion } from './genomic-region.js';

const ANNOTATIONS = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;

const FOLLOW =
  'Runs as one background job: returns a job_id at once; get_job_status shows each step\'s state, the overall percent and an ETA; get_job_result gives every step\'s summary, command, tool version and files (those of earlier steps marked intermediate). ' +
  'A step that fails fails the pipeline, naming the step, and the steps after it do not run; cancel_job stops the running step and skips the rest.';

const reads = {
  reference: inputReference('Reference genome (nucleotide FASTA, gzip allowed)'),
  reads_1: inputReference('Reads (FASTQ, gzip allowed); for paired-end data the first mates', 'the FASTQ text itself (starting with "@")'),
  reads_2: inputReference('Second mates of paired-end reads, in the same order as reads_1 (FASTQ, gzip allowed)', 'the FASTQ text itself').optional(),
};

export const alignAndCallVariants = definePipeline({
  name: 'align_and_call_variants',
  title: 'Align reads and call variants (bwa mem → bcftools call)',
  description:
    'Align short reads to a reference with bwa mem (a sorted, indexed BAM), then call SNPs and indels on that BAM with bcftools mpileup | bcftools call -mv. ' +
    `${FOLLOW} ` +
    'reference: nucleotide FASTA; reads_1 (and reads_2 for pairs): FASTQ, gzip allowed; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file>. ' +
    'region (optional) limits the calling to one stretch, such as "chr1:10000-20000". The VCF is job://<job_id>/calls.vcf.gz; the BAM is kept as an intermediate file.',
  annotations: ANNOTATIONS,
  input: z.strictObject({ ...reads, read_group: readGroup('bwa mem -R').optional(), region: genomicRegion.optional() }),
  steps: (p) => [
    {
      tool: 'bwa_mem',
      parameters: { reference: p.reference, reads_1: p.reads_1, ...(p.reads_2 !== undefined ? { reads_2: p.reads_2 } : {}), ...(p.read_group !== undefined ? { read_group: p.read_group } : {}) },
      // Aligning and sorting every read is most of the run; calling reads the sorted BAM once.
      weight: 3,
    },
    { tool: 'bcftools_call', parameters: { reference: p.reference, alignments: stepRef(0, ALIGNED_BAM), ...(p.region !== undefined ? { region: p.region } : {}) }, weight: 2 },
  ],
});

export const qcAndAlign = definePipeline({
  name: 'qc_and_align',
  title: 'Trim reads, align them and count the alignments (fastp → bwa mem → samtools flagstat)',
  description:
    'Clean short reads with fastp (adapter, quality and length trimming, with its QC report), align the trimmed reads to a reference with bwa mem (a sorted, indexed BAM), and count the alignments by flag with samtools flagstat. ' +
    `${FOLLOW} ` +
    'reference: nucleotide FASTA; reads_1 (and reads_2 for pairs): FASTQ, gzip allowed; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file>. ' +
    'fastp runs with its own defaults; the trimmed reads and the BAM are kept as intermediate files.',
  annotations: ANNOTATIONS,
  input: z.strictObject(reads),
  steps: (p) => {
    const paired = p.reads_2 !== undefined;
    return [
      { tool: 'fastp', parameters: { reads_1: p.reads_1, ...(paired ? { reads_2: p.reads_2 } : {}) }, weight: 1 },
      { tool: 'bwa_mem', parameters: { reference: p.reference, reads_1: stepRef(0, TRIMMED_1), ...(paired ? { reads_2: stepRef(0, TRIMMED_2) } : {}) }, weight: 3 },
      { tool: 'samtools_flagstat', parameters: { alignments: stepRef(1, ALIGNED_BAM) }, weight: 0.5 },
    ];
  },
});

/** The most steps one run_pipeline job may have. */
export const MAX_PIPELINE_STEPS = 20;

export const runPipeline = definePipeline({
  name: 'run_pipeline',
  title: 'Run your own pipeline of catalog tools',
  description:
    'Run several catalog tools one after another as one job: steps is a list of {tool, parameters}, where tool is a catalog tool name without "_async" (e.g. "bwa_mem", "samtools_sort") and parameters are what that tool\'s *_async takes. ' +
    'Wherever a tool takes an input file, a step may give an earlier step\'s output as "step:<n>/<file>", n counting from 0 (e.g. "step:0/aligned.bam"); only earlier steps can be named, so the steps run in the order given. ' +
    'The whole list is checked before anything runs: an unknown tool, a bad parameter, or a reference to a step that is not earlier or to a file that step does not make is refused naming steps.<i>.parameters.<field>. ' +
    `${FOLLOW}`,
  annotations: ANNOTATIONS,
  input: z.strictObject({
    steps: z
      .array(
        z.strictObject({
          tool: z.string().min(1, { message: 'must not be empty' }).max(64).describe('A catalog tool, without "_async" (e.g. "bwa_mem").'),
          // additionalProperties: true rather than zod's {} for "any value", which schema checkers flag as untyped.
          parameters: z
            .record(z.string(), z.unknown())
            .meta({ additionalProperties: true })
            .describe('The tool\'s parameters; an input may be "step:<n>/<file>", an earlier step\'s output.'),
        }),
        { message: 'must be a list of steps' },
      )
      .min(1, { message: 'must have at least one step' })
      .max(MAX_PIPELINE_STEPS, { message: `must have at most ${MAX_PIPELINE_STEPS} steps` })
      .describe('The steps, in the order they run.'),
  }),
  steps: (p) => p.steps.map((s) => ({ tool: s.tool, parameters: s.parameters })),
});

export const pipelines: readonly AnyPipelineDefinition[] = Object.freeze([alignAndCallVariants, qcAndAlign, runPipeline]);

export function findPipeline(name: string): AnyPipelineDefinition | undefined {
  return pipelines.find((p) => p.name === name);
}
