// A region of the reference as bcftools takes it with -r: the parameter's schema, and how far
// a region reaches once the contig lengths are known (for progress). bcftools reads a comma as
// the start of another region and would then call them in the order given, which leaves the
// VCF out of order and unindexable: one region only.
import { z } from 'zod';

export const REGION_RULE =
  'must be one region: CONTIG, CONTIG:POS, CONTIG:START-END or CONTIG:START- (a contig name with ":" in braces, {NAME}:START-END), without spaces or commas, not starting with "-"';

export const genomicRegion = z
  .string()
  .regex(/^[^\s,\0-][^\s,\0]*$/, { message: REGION_RULE })
  .max(1000, { message: REGION_RULE })
  .describe(
    'Call variants only in this region of the reference (bcftools -r), 1-based and inclusive: "CONTIG" (a whole contig), "CONTIG:START-END", "CONTIG:START-" (to the end of the contig) or "CONTIG:POS" (that one position). ' +
      'CONTIG is the name in the reference FASTA header up to the first space; put a name containing ":" in braces: "{HLA-A*01:01}:1-500". One region, no commas. Default: the whole reference.',
  );

/** A stretch of one contig, 1-based and inclusive; end undefined = to the contig's end. */
export interface RegionSpan {
  contig: string;
  start: number;
  end: number | undefined;
}

// What bcftools makes of a region, given the contig names it knows: a whole contig first (a name
// may itself contain ":"), then "{NAME}:…" or "NAME:…". Undefined when it names no known contig.
export function regionSpan(region: string, isContig: (name: string) => boolean): RegionSpan | undefined {
  if (isContig(region)) return { contig: region, start: 1, end: undefined };
  const m = /^(?:\{(.+)\}|(.+)):(\d+)(-(\d*))?$/.exec(region);
  if (!m) return undefined;
  const contig = m[1] ?? m[2]!;
  if (!isContig(contig)) return undefined;
  const start = Number(m[3]);
  // "CONTIG:POS" is that one position to bcftools; "CONTIG:START-" runs to the contig's end.
  const end = m[4] === undefined ? start : m[5] ? Number(m[5]) : undefined;
  return { contig, start, end };
}
