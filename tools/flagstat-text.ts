// samtools flagstat's text report read back into numbers, so the report a person reads is the
// one the summary comes from. Each line is "<QC-passed> + <QC-failed> <what>", some followed by
// "(<passed %> : <failed %>)"; the names are samtools' own words in snake_case, as its JSON
// report (-O json) names the same counts.

export interface FlagstatCounts {
  [count: string]: number | null;
}

export interface FlagstatSummary {
  qc_passed: FlagstatCounts;
  qc_failed: FlagstatCounts;
}

const LINE = /^(\d+) \+ (\d+) (.+)$/;
const PERCENTS = / \((N\/A|[\d.]+%) : (N\/A|[\d.]+%)\)$/;
const TOTAL = 'in total (QC-passed reads + QC-failed reads)';

// "with mate mapped to a different chr (mapQ>=5)" → "with_mate_mapped_to_a_different_chr_mapq_ge_5".
function keyOf(what: string): string {
  if (what === TOTAL) return 'total';
  return what
    .replace(/>=/g, ' ge ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

// "89.89%" → 89.89; "N/A" (nothing to divide by) → null.
function percent(text: string): number | null {
  return text === 'N/A' ? null : Number(text.slice(0, -1));
}

export async function parseFlagstatText(lines: AsyncIterable<string>): Promise<FlagstatSummary> {
  const summary: FlagstatSummary = { qc_passed: {}, qc_failed: {} };
  for await (const line of lines) {
    const m = LINE.exec(line);
    if (!m) continue;
    let what = m[3]!;
    const percents = PERCENTS.exec(what);
    if (percents) what = what.slice(0, percents.index);
    const key = keyOf(what);
    summary.qc_passed[key] = Number(m[1]);
    summary.qc_failed[key] = Number(m[2]);
    if (percents) {
      summary.qc_passed[`${key}_percent`] = percent(percents[1]!);
      summary.qc_failed[`${key}_percent`] = percent(percents[2]!);
    }
  }
  return summary;
}
