// What samtools view is asked to keep: a region, a mapping-quality floor and flag filters. The
// values reach argv (a region is a positional argument, which getopt would read as an option if
// it began with "-"), so each is held to the forms samtools understands; whether a region exists
// in the alignments is for samtools to say.
import { z } from 'zod';

// SAM specification §1.2.1: a reference name's first character, then the rest (no "," "{" "}"
// or blanks). A leading "*" or "=" is not a name; a leading "-" is allowed there but refused
// here, as it would turn the region into an option.
const NAME = '[0-9A-Za-z!#$%&+./:;?@^_|~][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*';
// htslib's positions: digits with optional "," separators, optionally "1.5k"-style with a k/M/G suffix.
const POS = '[0-9][0-9,]*(?:\\.[0-9]+)?[kKmMgG]?';
const RANGE = `(?::(?:${POS}(?:-(?:${POS})?)?|-${POS}))?`;
const REGION = new RegExp(`^(?:\\*|\\{${NAME}\\}${RANGE}|${NAME}${RANGE})$`);

export const REGION_RULE =
  'must be a region as samtools writes it: "contig", "contig:start-end", "contig:start-" (1-based, inclusive; "," allowed in numbers), ' +
  '"{contig}:start-end" for a name that holds ":", or "*" for unplaced unmapped reads; names may not start with "-"';

export const region = z
  .string()
  .max(1000, { message: 'must be at most 1000 characters' })
  .regex(REGION, { message: REGION_RULE })
  .optional()
  .describe(
    'Only alignments overlapping this region, e.g. "chr1", "chr1:10,000-20,000" or "gi|9626243|ref|NC_001416.1|:1000-2000" (contig names as in the BAM header; ' +
      'positions 1-based, inclusive; "{name}:start-end" when the name holds ":"; "*" for unplaced unmapped reads). Needs alignments sorted by coordinate as BAM (see samtools_sort_async); ' +
      'they are indexed for the job. Default: the whole file.',
  );

export const minMapq = z
  .number()
  .int({ message: 'must be a whole number' })
  .min(0, { message: 'must be at least 0' })
  .max(255, { message: 'must be at most 255' })
  .optional()
  .describe('Keep only alignments with a mapping quality at least this (samtools view -q), e.g. 20 or 30. Default: 0, every alignment.');

/** samtools' flag names, in bit order (samtools flags lists them). */
export const SAM_FLAG_NAMES = ['PAIRED', 'PROPER_PAIR', 'UNMAP', 'MUNMAP', 'REVERSE', 'MREVERSE', 'READ1', 'READ2', 'SECONDARY', 'QCFAIL', 'DUP', 'SUPPLEMENTARY'] as const;

const ONE_NAME = `(?:${SAM_FLAG_NAMES.join('|')})`;
const FLAG_NAMES = new RegExp(`^${ONE_NAME}(?:,${ONE_NAME})*$`, 'i');
export const FLAGS_RULE = `must be a whole number 0-4095 (e.g. 4 for unmapped) or comma-separated flag names such as "UNMAP,SECONDARY" (${SAM_FLAG_NAMES.join(', ')})`;

const flags = (what: string) =>
  z
    .union(
      [
        z.number().int({ message: FLAGS_RULE }).min(0, { message: FLAGS_RULE }).max(4095, { message: FLAGS_RULE }),
        z.string().regex(FLAG_NAMES, { message: FLAGS_RULE }),
      ],
      { message: FLAGS_RULE },
    )
    .optional()
    .describe(
      `${what}: a SAM flag as a number (1 paired, 2 proper pair, 4 unmapped, 8 mate unmapped, 16 reverse, 32 mate reverse, 64 read 1, 128 read 2, 256 secondary, 512 QC fail, 1024 duplicate, 2048 supplementary; add them up) ` +
        `or as samtools' names joined by commas (${SAM_FLAG_NAMES.join(', ')}). Default: none.`,
    );

export const includeFlags = flags('Keep only alignments with all of these flag bits set (samtools view -f), e.g. 2 or "PROPER_PAIR" for properly paired reads');
export const excludeFlags = flags('Drop alignments with any of these flag bits set (samtools view -F), e.g. 4 or "UNMAP" to drop unmapped reads, 3844 ("UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY") to keep primary mapped reads');
