// bcftools call: variants of the reads in a coordinate-sorted BAM against its reference, as
// `bcftools mpileup -f ref.fa aln.bam | bcftools call -mv` gives them, into calls.vcf.gz with its
// index, and bcftools' own stats report for the summary. The reference's samtools faidx index
// is built once per reference content and cached; bcftools is given that cached FASTA, with its
// .fai beside it. mpileup hands call its pileup as uncompressed BCF (-Ou) rather than VCF text:
// the same records, without printing and parsing every position of the reference.
import { z } from 'zod';
import { bcftoolsBinary } from './bcftools-binary.js';
import { GiB, inputReference } from './common-options.js';
import { defineTool, type Step } from './define-tool.js';
import { genomicRegion } from './genomic-region.js';
import { faidxIndex, samtoolsBinary } from './samtools-kinds.js';
import { summarizeVariants } from './variant-summary.js';
import { vcfPositionTracker } from './vcf-position-progress.js';

export const CALLS_VCF = 'calls.vcf.gz';
export const CALLS_STATS = 'calls.stats.txt';

const input = z.strictObject({
  reference: inputReference('Reference genome the reads were aligned to (nucleotide FASTA, gzip allowed)'),
  alignments: inputReference(
    'Aligned reads: a coordinate-sorted BAM against that same reference, such as job://<job_id>/aligned.bam from bwa_mem_async (SAM is not taken: sort it into BAM first)',
    'nothing inline: BAM is binary, so always a file',
  ),
  region: genomicRegion.optional(),
});

export const bcftoolsCall = defineTool({
  name: 'bcftools_call',
  title: 'bcftools call: call SNPs and indels from aligned reads',
  description:
    'Call variants (SNPs and short indels) from reads aligned to a reference, with bcftools mpileup | bcftools call -mv (the multiallelic caller, variant sites only, diploid), and get a bgzipped VCF with its index. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (variant counts by type, Ts/Tv, homozygous-alt and heterozygous genotype counts per sample, the first records) and download links. ' +
    'reference: the nucleotide FASTA the reads were aligned to (its FASTA index is built on first use and cached); alignments: a coordinate-sorted BAM, e.g. job://<job_id>/aligned.bam straight from bwa_mem_async; each a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file>. ' +
    'region (optional): one stretch to call, such as "chr1:10000-20000"; default the whole reference. The VCF is job://<job_id>/calls.vcf.gz.',
  queue: 'variant',
  binaries: [bcftoolsBinary, samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input,
  inputs: [
    { param: 'reference', formats: ['fasta'], residues: 'nucleotide', indexes: () => [{ index: faidxIndex }] },
    { param: 'alignments', formats: ['bam'] },
  ],
  steps: (p, ctx) => {
    const reference = ctx.index('reference', faidxIndex);
    const bam = ctx.input('alignments');
    const steps: Step[] = [];
    if (p.region !== undefined) {
      // bcftools calls nothing, silently, in a region that starts past the end of its contig;
      // samtools faidx reads the same .fai and says "Zero length sequence" (the region's bases
      // it prints are discarded). -c keeps it from failing on a contig it does not know, so
      // that case reaches bcftools, whose own message names the BAM it looked in.
      steps.push({ label: 'checking the region', pipeline: [['samtools', 'faidx', '-c', reference, p.region]] });
      // -r jumps through the BAM by its index, made here beside the link (inputs/x.bam.bai).
      steps.push({ label: 'indexing the alignments', pipeline: [['samtools', 'index', bam]] });
    }
    const mpileup = ['bcftools', 'mpileup', '-Ou', '-f', reference, ...(p.region !== undefined ? ['-r', p.region] : []), bam];
    steps.push({
      label: 'calling',
      pipeline: [mpileup, ['bcftools', 'call', '-mv', '-Oz', '-o', CALLS_VCF]],
      // Nearly all of the run: mpileup reads every read; index and stats read only the calls.
      weight: 18,
      progress: { from: { file: CALLS_VCF, gzip: true }, unit: 'reference bases', tracker: () => vcfPositionTracker(p.region) },
    });
    steps.push({ label: 'indexing the calls', pipeline: [['bcftools', 'index', CALLS_VCF]] });
    steps.push({ label: 'counting', pipeline: [['bcftools', 'stats', '-s', '-', CALLS_VCF]], stdout: CALLS_STATS });
    return steps;
  },
  outputs: () => [
    { name: CALLS_VCF, mediaType: 'application/gzip' },
    { name: `${CALLS_VCF}.csi`, mediaType: 'application/octet-stream' },
    { name: CALLS_STATS, mediaType: 'text/plain' },
  ],
  // These three exit 0 having called nothing, or nonsense: a BAM out of order, reads aligned to
  // contigs the reference does not have (every one of their positions), a region past the end.
  failsOnStderr: /\[E::bam_plp_push\] The input is not sorted|\[E::faidx_adjust_position\] The sequence .* was not found|\[faidx\] Zero length sequence/,
  errors: [
    {
      when: /The input is not sorted|Unsorted positions on sequence/,
      field: 'alignments',
      message: () => 'alignments: the BAM is not sorted by coordinate (samtools sort makes it so; bwa_mem_async writes it sorted)',
    },
    {
      when: /\[E::faidx_adjust_position\] The sequence .* was not found/,
      field: 'alignments',
      message: () => 'alignments: its reads are aligned to a contig the reference does not have; were they aligned to another reference?',
    },
    { when: /\[E::mpileup\] the sequence .* not found/, field: 'region', message: (p) => `region: "${String(p.region)}" names a contig that is not in the alignments' reference` },
    { when: /\[E::mpileup\] fail to parse region|Could not parse (the regions|reg line)/, field: 'region', message: (p) => `region: bcftools cannot read "${String(p.region)}" as a region` },
    { when: /\[faidx\] Zero length sequence/, field: 'region', message: (p) => `region: "${String(p.region)}" starts past the end of its contig` },
  ],
  summarize: async (_p, outputs) => ({ ...(await summarizeVariants(outputs, CALLS_VCF, CALLS_STATS)) }),
  limits: { maxOutputBytes: 100 * GiB },
});
