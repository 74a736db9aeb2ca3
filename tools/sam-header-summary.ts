// What reference a SAM/BAM is aligned to, read from its header as samtools prints it: the
// contigs (@SQ SN and LN), their total length, and the sort order the header declares (@HD SO).

export interface ReferenceSummary {
  sort_order: string | null;
  contigs: number;
  length: number;
  /** The first contigs in header order; the rest are in the header file. */
  sequences: { name: string; length: number }[];
}

const SEQUENCES_SHOWN = 10;

function tag(fields: readonly string[], name: string): string | undefined {
  return fields.find((f) => f.startsWith(`${name}:`))?.slice(name.length + 1);
}

export async function summarizeReference(headerLines: AsyncIterable<string>): Promise<ReferenceSummary> {
  const summary: ReferenceSummary = { sort_order: null, contigs: 0, length: 0, sequences: [] };
  for await (const line of headerLines) {
    const fields = line.split('\t');
    if (fields[0] === '@HD') summary.sort_order = tag(fields, 'SO') ?? null;
    if (fields[0] !== '@SQ') continue;
    const length = Number(tag(fields, 'LN') ?? 0);
    summary.contigs += 1;
    summary.length += length;
    if (summary.sequences.length < SEQUENCES_SHOWN) summary.sequences.push({ name: tag(fields, 'SN') ?? '', length });
  }
  return summary;
}
