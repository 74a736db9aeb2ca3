// The input every samtools tool takes: alignments as SAM or BAM, usually the BAM of an earlier
// aligner job. samtools reads gzip-compressed SAM itself, so such a file is used as it is. Our
// check cannot know that a SAM's records name contigs its header lacks; samtools says so.
import { inputReference } from './common-options.js';
import type { ErrorRule, InputSpec } from './define-tool.js';

export const alignmentsParam = inputReference(
  'Alignments (SAM or BAM), e.g. job://<job_id>/aligned.bam from bwa_mem_async or minimap2_async',
  'the SAM text itself (header lines "@HD", "@SQ"…, then one alignment per line)',
);

export const alignmentsInput: InputSpec = { param: 'alignments', formats: ['sam', 'bam'], readsGzip: true };

export const alignmentsErrors: readonly ErrorRule[] = [
  {
    when: /no SQ lines present in the header/,
    field: 'alignments',
    message: () => 'alignments: the SAM has alignments on contigs but no @SQ header lines naming them; give it with its header (samtools view -h keeps it)',
  },
];
