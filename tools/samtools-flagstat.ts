// samtools flagstat: counts of alignments by flag (mapped, paired, duplicates…), as the text
// report a person gets from the command, with the same numbers in the summary.
import { parseFlagstatText } from './flagstat-text.js';
import { defineSamtoolsReport } from './samtools-report.js';

export const samtoolsFlagstat = defineSamtoolsReport({
  name: 'samtools_flagstat',
  title: 'samtools flagstat: count alignments by flag',
  description:
    'Count the alignments of a SAM or BAM file by their flags with samtools flagstat: total, primary, secondary, supplementary, duplicates, mapped %, paired, properly paired %, singletons, mates on other contigs — each for QC-passed and QC-failed reads. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the counts (the summary) and the report flagstat.txt. ' +
    'alignments: a file path inside the allowed input folders, a URL, an upload:// reference, SAM text, or job://<job_id>/<file> from an earlier job (e.g. job://<job_id>/aligned.bam of bwa_mem_async or minimap2_async).',
  subcommand: 'flagstat',
  label: 'counting',
  report: 'flagstat.txt',
  summarize: parseFlagstatText,
});
