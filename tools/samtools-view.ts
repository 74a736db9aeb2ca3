// samtools view: the alignments of a SAM/BAM that pass a region, a mapping-quality floor and
// flag filters, as filtered.bam. A region needs an index of the input: it is built in the work
// dir (inputs/x.bam.bai beside the link inputs/x.bam, never beside the caller's file), and what
// samtools cannot index (SAM text, a BAM not sorted by coordinate) is refused with what to do.
// The summary counts what was kept (flagstat of the output) and says what reference it is on.
import { z } from 'zod';
import { FLAGSTAT_JSON } from './alignment-steps.js';
import { alignmentsErrors, alignmentsInput, alignmentsParam } from './alignments-input.js';
import { GiB } from './common-options.js';
import { defineTool, type Step } from './define-tool.js';
import { summarizeReference } from './sam-header-summary.js';
import { samtoolsBinary } from './samtools-kinds.js';
import { excludeFlags, includeFlags, minMapq, region } from './samtools-view-options.js';

export const FILTERED_BAM = 'filtered.bam';
const HEADER_SAM = 'header.sam';

// samtools view warns about a region it cannot find, then "Continue anyway." and exits 0 with nothing kept.
const BAD_REGION = /specifies an invalid region or unknown reference/;

const sortFirst = (what: string) => `run samtools_sort_async on ${what} first and give its sorted.bam (job://<job_id>/sorted.bam) here`;

export const samtoolsView = defineTool({
  name: 'samtools_view',
  title: 'samtools view: filter alignments by region, mapping quality and flags',
  description:
    'Keep the alignments of a SAM or BAM file that overlap a region (e.g. "chr1:10,000-20,000"), reach a mapping quality (min_mapq) and have or lack given flags (include_flags, exclude_flags, e.g. exclude_flags "UNMAP,SECONDARY"), with samtools view, into a new BAM. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (records kept, mapped, the reference contigs) and the link to filtered.bam. ' +
    'alignments: a file path inside the allowed input folders, a URL, an upload:// reference, SAM text, or job://<job_id>/<file> from an earlier job (e.g. job://<job_id>/aligned.bam of bwa_mem_async or minimap2_async). ' +
    'A region needs a coordinate-sorted BAM: run samtools_sort_async first on anything else.',
  queue: 'align',
  binaries: [samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.strictObject({
    alignments: alignmentsParam,
    region,
    min_mapq: minMapq,
    include_flags: includeFlags,
    exclude_flags: excludeFlags,
  }),
  inputs: [alignmentsInput],
  steps: (p, ctx) => {
    const alignments = ctx.input('alignments');
    const view: string[] = ['samtools', 'view', '-b', '-@', String(ctx.threads), '-o', FILTERED_BAM];
    if (p.min_mapq !== undefined) view.push('-q', String(p.min_mapq));
    if (p.include_flags !== undefined) view.push('-f', String(p.include_flags));
    if (p.exclude_flags !== undefined) view.push('-F', String(p.exclude_flags));
    view.push(alignments);
    if (p.region !== undefined) view.push(p.region);
    const index: Step[] = p.region === undefined ? [] : [{ label: 'indexing the input', pipeline: [['samtools', 'index', alignments]] }];
    return [
      ...index,
      { label: 'filtering', pipeline: [view], weight: 4, primary: true },
      { label: 'counting', pipeline: [['samtools', 'flagstat', '-O', 'json', FILTERED_BAM]], stdout: FLAGSTAT_JSON },
      { label: 'reading the header', pipeline: [['samtools', 'view', '-H', '--no-PG', FILTERED_BAM]], stdout: HEADER_SAM },
    ];
  },
  outputs: () => [
    { name: FILTERED_BAM, mediaType: 'application/vnd.bam' },
    { name: FLAGSTAT_JSON, mediaType: 'application/json' },
    { name: HEADER_SAM, mediaType: 'text/plain' },
  ],
  failsOnStderr: BAD_REGION,
  errors: [
    ...alignmentsErrors,
    {
      when: BAD_REGION,
      field: 'region',
      message: (p) => `region: "${String(p.region)}" is not a region of these alignments (its contig must be one of the @SQ names of their header, and start must not be past end)`,
    },
    {
      when: /Unsorted positions on sequence/,
      field: 'alignments',
      message: () => `alignments: not sorted by coordinate, so they cannot be queried by region; ${sortFirst('them')}`,
    },
    {
      when: /not BGZF compressed/,
      field: 'alignments',
      message: () => `alignments: SAM text (not bgzip-compressed) cannot be queried by region; ${sortFirst('it')}`,
    },
  ],
  summarize: async (p, outputs) => {
    const flagstat = JSON.parse(await outputs.text(FLAGSTAT_JSON, 1 << 20)) as Record<string, Record<string, number | null>>;
    const count = (key: string) => Number(flagstat['QC-passed reads']?.[key] ?? 0) + Number(flagstat['QC-failed reads']?.[key] ?? 0);
    return {
      records: count('total'),
      mapped: count('mapped'),
      filters: { region: p.region ?? null, min_mapq: p.min_mapq ?? null, include_flags: p.include_flags ?? null, exclude_flags: p.exclude_flags ?? null },
      reference: await summarizeReference(outputs.lines(HEADER_SAM)),
    };
  },
  limits: { maxOutputBytes: 500 * GiB },
});
