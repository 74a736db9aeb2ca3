// The summary numbers ("SN" lines) of samtools stats, the main ones, under snake_case names. The
// SN section comes near the top of the report, so reading stops where it ends: the histograms
// after it can run to megabytes.

/** samtools' label → the summary's name, for the fields a reader of the report looks at first. */
const MAIN_FIELDS: Readonly<Record<string, string>> = {
  'raw total sequences': 'raw_total_sequences',
  'filtered sequences': 'filtered_sequences',
  sequences: 'sequences',
  'is sorted': 'is_sorted',
  '1st fragments': 'first_fragments',
  'last fragments': 'last_fragments',
  'reads mapped': 'reads_mapped',
  'reads mapped and paired': 'reads_mapped_and_paired',
  'reads unmapped': 'reads_unmapped',
  'reads properly paired': 'reads_properly_paired',
  'reads paired': 'reads_paired',
  'reads duplicated': 'reads_duplicated',
  'reads MQ0': 'reads_mq0',
  'reads QC failed': 'reads_qc_failed',
  'non-primary alignments': 'non_primary_alignments',
  'supplementary alignments': 'supplementary_alignments',
  'total length': 'total_length',
  'bases mapped (cigar)': 'bases_mapped_cigar',
  mismatches: 'mismatches',
  'error rate': 'error_rate',
  'average length': 'average_length',
  'maximum length': 'maximum_length',
  'average quality': 'average_quality',
  'insert size average': 'insert_size_average',
  'insert size standard deviation': 'insert_size_standard_deviation',
  'percentage of properly paired reads (%)': 'properly_paired_percent',
};

export type StatsSummary = Record<string, number | boolean>;

// "SN\treads mapped:\t3595\t# comment": the label without its colon, and the number.
export async function summarizeStats(lines: AsyncIterable<string>): Promise<StatsSummary> {
  const summary: StatsSummary = {};
  let inSection = false;
  for await (const line of lines) {
    if (!line.startsWith('SN\t')) {
      if (inSection && !line.startsWith('#')) break;
      continue;
    }
    inSection = true;
    const [, label, value] = line.split('\t');
    const key = MAIN_FIELDS[label!.replace(/:$/, '')];
    if (key === undefined) continue;
    summary[key] = key === 'is_sorted' ? value === '1' : Number(value);
  }
  return summary;
}
