// samtools stats: the full statistics report of a SAM/BAM (summary numbers, then histograms of
// lengths, qualities, insert sizes, coverage, GC…) as the command writes it, with the main
// summary numbers in the result.
import { z } from 'zod';
import { alignmentsErrors, alignmentsInput, alignmentsParam } from './alignments-input.js';
import { GiB } from './common-options.js';
import { defineTool } from './define-tool.js';
import { samtoolsBinary } from './samtools-kinds.js';
import { summarizeStats } from './stats-summary.js';

const STATS_TXT = 'stats.txt';

export const samtoolsStats = defineTool({
  name: 'samtools_stats',
  title: 'samtools stats: statistics of alignments',
  description:
    'Collect statistics of a SAM or BAM file with samtools stats: reads mapped, unmapped, properly paired and duplicated, error rate, read lengths, base qualities, insert sizes, plus the histograms (plot-bamstats and MultiQC read the report). ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the main summary numbers and the full report stats.txt (readable page by page). ' +
    'alignments: a file path inside the allowed input folders, a URL, an upload:// reference, SAM text, or job://<job_id>/<file> from an earlier job (e.g. job://<job_id>/aligned.bam of bwa_mem_async or minimap2_async).',
  queue: 'align',
  binaries: [samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: z.strictObject({ alignments: alignmentsParam }),
  inputs: [alignmentsInput],
  errors: alignmentsErrors,
  steps: (_p, ctx) => [{ label: 'collecting statistics', pipeline: [['samtools', 'stats', '-@', String(ctx.threads), ctx.input('alignments')]], stdout: STATS_TXT }],
  outputs: () => [{ name: STATS_TXT, mediaType: 'text/plain' }],
  summarize: async (_p, outputs) => ({ ...(await summarizeStats(outputs.lines(STATS_TXT))) }),
  limits: { maxOutputBytes: 1 * GiB },
});
