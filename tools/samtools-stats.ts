// samtools stats: the full statistics report of a SAM/BAM (summary numbers, then histograms of
// lengths, qualities, insert sizes, coverage, GC…) as the command writes it, with the main
// summary numbers in the result.
import { defineSamtoolsReport } from './samtools-report.js';
import { summarizeStats } from './stats-summary.js';

export const samtoolsStats = defineSamtoolsReport({
  name: 'samtools_stats',
  title: 'samtools stats: statistics of alignments',
  description:
    'Collect statistics of a SAM or BAM file with samtools stats: reads mapped, unmapped, properly paired and duplicated, error rate, read lengths, base qualities, insert sizes, plus the histograms (plot-bamstats and MultiQC read the report). ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the main summary numbers and the full report stats.txt (readable page by page). ' +
    'alignments: a file path inside the allowed input folders, a URL, an upload:// reference, SAM text, or job://<job_id>/<file> from an earlier job (e.g. job://<job_id>/aligned.bam of bwa_mem_async or minimap2_async).',
  subcommand: 'stats',
  label: 'collecting statistics',
  report: 'stats.txt',
  summarize: summarizeStats,
});
