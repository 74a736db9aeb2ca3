// An alignment summary a model can use, read from samtools' own reports: how many reads mapped
// and paired properly (flagstat), and how deep and how much of the reference they cover
// (coverage, per contig, combined over the whole reference).
import type { OutputReader } from './define-tool.js';
import { COVERAGE_TSV, FLAGSTAT_JSON } from './alignment-steps.js';

export interface AlignmentSummary {
  records: number;
  primary_reads: number;
  mapped: number;
  mapped_percent: number | null;
  properly_paired: number;
  properly_paired_percent: number | null;
  paired_in_sequencing: number;
  supplementary: number;
  secondary: number;
  duplicates: number;
  reference_length: number;
  /** Share of reference positions covered by at least one read, %. */
  coverage_percent: number | null;
  /** Mean depth over the whole reference. */
  mean_depth: number | null;
  contigs: ContigCoverage[];
}

export interface ContigCoverage {
  name: string;
  length: number;
  reads: number;
  coverage_percent: number;
  mean_depth: number;
}

/** Contigs listed in a summary; the rest are in coverage.tsv. */
const CONTIGS_SHOWN = 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

type FlagstatCounts = Record<string, number | null>;

export async function summarizeAlignments(outputs: OutputReader): Promise<AlignmentSummary> {
  const flagstat = JSON.parse(await outputs.text(FLAGSTAT_JSON, 1 << 20)) as Record<string, FlagstatCounts>;
  const passed = flagstat['QC-passed reads'] ?? {};
  const failed = flagstat['QC-failed reads'] ?? {};
  const count = (key: string) => Number(passed[key] ?? 0) + Number(failed[key] ?? 0);
  let length = 0;
  let covered = 0;
  let depthSum = 0;
  const contigs: ContigCoverage[] = [];
  for await (const line of outputs.lines(COVERAGE_TSV)) {
    if (line === '' || line.startsWith('#')) continue;
    // #rname startpos endpos numreads covbases coverage meandepth meanbaseq meanmapq
    const c = line.split('\t');
    const contigLength = Number(c[2]) - Number(c[1]) + 1;
    length += contigLength;
    covered += Number(c[4]);
    depthSum += Number(c[6]) * contigLength;
    contigs.push({ name: c[0]!, length: contigLength, reads: Number(c[3]), coverage_percent: Number(c[5]), mean_depth: Number(c[6]) });
  }
  const primary = count('primary');
  const paired = count('paired in sequencing');
  contigs.sort((a, b) => b.reads - a.reads);
  return {
    records: count('total'),
    primary_reads: primary,
    mapped: count('mapped'),
    mapped_percent: count('total') > 0 ? round2((100 * count('mapped')) / count('total')) : null,
    properly_paired: count('properly paired'),
    properly_paired_percent: paired > 0 ? round2((100 * count('properly paired')) / paired) : null,
    paired_in_sequencing: paired,
    supplementary: count('supplementary'),
    secondary: count('secondary'),
    duplicates: count('duplicates'),
    reference_length: length,
    coverage_percent: length > 0 ? round2((100 * covered) / length) : null,
    mean_depth: length > 0 ? round2(depthSum / length) : null,
    contigs: contigs.slice(0, CONTIGS_SHOWN),
  };
}
