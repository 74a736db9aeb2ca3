// samtools sort: any SAM/BAM into sorted.bam by coordinate, with its index and the same small
// reports and summary as an aligner's BAM (flagstat, coverage). The sort's temporary files stay
// in the work dir.
import { z } from 'zod';
import { alignmentOutputs, indexAndReportSteps, sortToBam } from './alignment-steps.js';
import { summarizeAlignments } from './alignment-summary.js';
import { alignmentsErrors, alignmentsInput, alignmentsParam } from './alignments-input.js';
import { GiB } from './common-options.js';
import { defineTool } from './define-tool.js';
import { samtoolsBinary } from './samtools-kinds.js';

export const SORTED_BAM = 'sorted.bam';

export const samtoolsSort = defineTool({
  name: 'samtools_sort',
  title: 'samtools sort: sort alignments by coordinate into an indexed BAM',
  description:
    'Sort alignments (SAM or BAM, e.g. the output of another tool or a file of your own) by reference coordinate with samtools sort, and get a BAM with its index (.bai), ready for region queries, viewers and variant callers. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (records, mapped %, properly paired %, mean depth, coverage per contig) and download links. ' +
    'alignments: a file path inside the allowed input folders, a URL, an upload:// reference, SAM text, or job://<job_id>/<file> from an earlier job. ' +
    'The result job://<job_id>/sorted.bam can go straight into samtools_view_async with a region.',
  queue: 'align',
  binaries: [samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: z.strictObject({ alignments: alignmentsParam }),
  inputs: [alignmentsInput],
  errors: alignmentsErrors,
  steps: (_p, ctx) => [
    { label: 'sorting', pipeline: [sortToBam(ctx.threads, SORTED_BAM, ctx.input('alignments'))], weight: 6 },
    ...indexAndReportSteps(SORTED_BAM),
  ],
  outputs: () => alignmentOutputs(SORTED_BAM),
  summarize: async (_p, outputs) => ({ ...(await summarizeAlignments(outputs)) }),
  limits: { maxOutputBytes: 500 * GiB },
});
