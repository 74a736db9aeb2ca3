// The oracle of an aligner's summary: what samtools' own reports on the BAM made by hand say,
// arranged as the summary arranges it (one contig, the lambda genome, in these tests).
export function alignmentSummaryFromReports(flagstatJson: string, coverageTsv: string, contig: string, contigLength: number): Record<string, unknown> {
  const flagstat = (JSON.parse(flagstatJson) as Record<string, Record<string, number>>)['QC-passed reads']!;
  const coverage = coverageTsv.split('\n')[1]!.split('\t');
  return {
    records: flagstat.total,
    primary_reads: flagstat.primary,
    mapped: flagstat.mapped,
    mapped_percent: flagstat['mapped %'],
    properly_paired: flagstat['properly paired'],
    properly_paired_percent: flagstat['properly paired %'],
    paired_in_sequencing: flagstat['paired in sequencing'],
    supplementary: flagstat.supplementary,
    secondary: flagstat.secondary,
    duplicates: flagstat.duplicates,
    reference_length: contigLength,
    coverage_percent: Math.round(Number(coverage[5]) * 100) / 100,
    mean_depth: Math.round(Number(coverage[6]) * 100) / 100,
    contigs: [{ name: contig, length: contigLength, reads: Number(coverage[3]), coverage_percent: Number(coverage[5]), mean_depth: Number(coverage[6]) }],
  };
}
