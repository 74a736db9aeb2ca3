// samtools flagstat: counts of alignments by flag (mapped, paired, duplicates…), as the text
// report a person gets from the command, with the same numbers in the summary.
import { z } from 'zod';
import { alignmentsErrors, alignmentsInput, alignmentsParam } from './alignments-input.js';
import { GiB } from './common-options.js';
import { defineTool } from './define-tool.js';
import { parseFlagstatText } from './flagstat-text.js';
import { samtoolsBinary } from './samtools-kinds.js';

const FLAGSTAT_TXT = 'flagstat.txt';

export const samtoolsFlagstat = defineTool({
  name: 'samtools_flagstat',
  title: 'samtools flagstat: count alignments by flag',
  description:
    'Count the alignments of a SAM or BAM file by their flags with samtools flagstat: total, primary, secondary, supplementary, duplicates, mapped %, paired, properly paired %, singletons, mates on other contigs — each for QC-passed and QC-failed reads. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the counts (the summary) and the report flagstat.txt. ' +
    'alignments: a file path inside the allowed input folders, a URL, an upload:// reference, SAM text, or job://<job_id>/<file> from an earlier job (e.g. job://<job_id>/aligned.bam of bwa_mem_async or minimap2_async).',
  queue: 'align',
  binaries: [samtoolsBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: z.strictObject({ alignments: alignmentsParam }),
  inputs: [alignmentsInput],
  errors: alignmentsErrors,
  steps: (_p, ctx) => [{ label: 'counting', pipeline: [['samtools', 'flagstat', '-@', String(ctx.threads), ctx.input('alignments')]], stdout: FLAGSTAT_TXT }],
  outputs: () => [{ name: FLAGSTAT_TXT, mediaType: 'text/plain' }],
  summarize: async (_p, outputs) => ({ ...(await parseFlagstatText(outputs.lines(FLAGSTAT_TXT))) }),
  limits: { maxOutputBytes: 1 * GiB },
});
