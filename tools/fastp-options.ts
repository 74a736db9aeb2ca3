// The fastp settings a caller may change, each one of fastp's own flags under its own long name.
// Left out, a setting is not passed at all, so fastp keeps its own default (and a later fastp
// with other defaults behaves as it would by hand). Values that reach argv are numbers or
// bases only.
import { z } from 'zod';

const wholeNumber = (min: number, max: number) =>
  z
    .number()
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

export const fastpOptions = {
  adapter_sequence: z
    .string()
    .regex(/^[ACGTN]{6,200}$/, { message: 'must be 6-200 upper-case bases (A, C, G, T, N), e.g. "AGATCGGAAGAGC"' })
    .optional()
    .describe(
      'Adapter to trim from the 3\' end of reads (fastp -a), e.g. "AGATCGGAAGAGC" (Illumina TruSeq). Default: fastp detects the adapter itself for single-end reads and trims paired reads by their overlap.',
    ),
  detect_adapter_for_pe: z
    .boolean()
    .optional()
    .describe('Paired-end only: also detect the adapter from the reads, as for single-end data (fastp --detect_adapter_for_pe). Default false: pairs are trimmed by their overlap alone.'),
  length_required: wholeNumber(1, 100000)
    .optional()
    .describe('Discard reads shorter than this after trimming (fastp -l); default 15. In pairs, a pair is discarded when either read fails.'),
  qualified_quality_phred: wholeNumber(0, 93)
    .optional()
    .describe('Phred quality from which a base counts as qualified (fastp -q); default 15.'),
  unqualified_percent_limit: wholeNumber(0, 100)
    .optional()
    .describe('Discard a read when more than this percent of its bases are unqualified (fastp -u); default 40.'),
  cut_front: z
    .boolean()
    .optional()
    .describe('Trim low-quality bases from the 5\' end with a sliding window (fastp --cut_front, window 4, mean quality cut_mean_quality). Default false.'),
  cut_tail: z
    .boolean()
    .optional()
    .describe('Trim low-quality bases from the 3\' end with a sliding window (fastp --cut_tail, window 4, mean quality cut_mean_quality). Default false.'),
  cut_mean_quality: wholeNumber(1, 36)
    .optional()
    .describe('Mean quality a sliding window must reach for cut_front/cut_tail (fastp -M), 1-36; default 20.'),
};

export type FastpOptions = { [K in keyof typeof fastpOptions]?: z.output<(typeof fastpOptions)[K]> };

/** The flags of the settings the caller gave, in a fixed order. */
export function fastpOptionArgs(p: FastpOptions): string[] {
  const args: string[] = [];
  if (p.adapter_sequence !== undefined) args.push('-a', p.adapter_sequence);
  if (p.detect_adapter_for_pe) args.push('--detect_adapter_for_pe');
  if (p.length_required !== undefined) args.push('-l', String(p.length_required));
  if (p.qualified_quality_phred !== undefined) args.push('-q', String(p.qualified_quality_phred));
  if (p.unqualified_percent_limit !== undefined) args.push('-u', String(p.unqualified_percent_limit));
  if (p.cut_front) args.push('--cut_front');
  if (p.cut_tail) args.push('--cut_tail');
  if (p.cut_mean_quality !== undefined) args.push('-M', String(p.cut_mean_quality));
  return args;
}
