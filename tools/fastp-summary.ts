// What a model needs from a fastp run, read from fastp's own fastp.json: how many reads and
// bases went in and came out, their quality (Q20/Q30) and GC, why reads were dropped (one count
// per filter, as fastp names them), adapter trimming and the duplication rate. The insert-size
// histogram is left out: fastp 0.23.2 samples it from the reads of its first worker thread
// only (peprocessor.cpp), so it changes with the thread count; it stays in fastp.json/html.
import type { OutputReader } from './define-tool.js';

export const FASTP_JSON = 'fastp.json';

/** fastp.json holds per-cycle curves and k-mer tables: hundreds of KB for long reads, never near this. */
const FASTP_JSON_MAX_BYTES = 64 << 20;

interface FastpStage {
  total_reads: number;
  total_bases: number;
  q20_rate: number;
  q30_rate: number;
  gc_content: number;
  read1_mean_length: number;
  read2_mean_length?: number;
}

interface FastpReport {
  summary: { fastp_version: string; sequencing: string; before_filtering: FastpStage; after_filtering: FastpStage };
  filtering_result: Record<string, number>;
  duplication?: { rate: number };
  adapter_cutting?: { adapter_trimmed_reads: number; adapter_trimmed_bases: number; read1_adapter_sequence?: string; read2_adapter_sequence?: string };
}

export interface FastpStageSummary {
  reads: number;
  bases: number;
  q20_percent: number;
  q30_percent: number;
  gc_percent: number;
  read1_mean_length: number;
  read2_mean_length?: number;
}

export interface FastpSummary {
  /** fastp's own words: "paired end (338 cycles + 330 cycles)". */
  sequencing: string;
  before_filtering: FastpStageSummary;
  after_filtering: FastpStageSummary;
  passed_filter_reads: number;
  passed_filter_percent: number | null;
  /** Reads dropped, per filter, under fastp's names without "_reads": low_quality, too_many_N, too_short, too_long, … */
  failed_filter_reads: Record<string, number>;
  adapter_trimmed_reads: number;
  adapter_trimmed_bases: number;
  /** Only when fastp detected or was given one ("unspecified" otherwise). */
  adapters?: { read1?: string; read2?: string };
  duplication_percent: number | null;
}

const percent = (rate: number) => Math.round(rate * 10000) / 100;

function stage(s: FastpStage): FastpStageSummary {
  return {
    reads: s.total_reads,
    bases: s.total_bases,
    q20_percent: percent(s.q20_rate),
    q30_percent: percent(s.q30_rate),
    gc_percent: percent(s.gc_content),
    read1_mean_length: s.read1_mean_length,
    ...(s.read2_mean_length !== undefined ? { read2_mean_length: s.read2_mean_length } : {}),
  };
}

export async function summarizeFastp(outputs: OutputReader): Promise<FastpSummary> {
  const report = JSON.parse(await outputs.text(FASTP_JSON, FASTP_JSON_MAX_BYTES)) as FastpReport;
  const { before_filtering: before, after_filtering: after } = report.summary;
  const failed: Record<string, number> = {};
  for (const [key, count] of Object.entries(report.filtering_result)) {
    if (key !== 'passed_filter_reads') failed[key.replace(/_reads$/, '')] = count;
  }
  const passed = report.filtering_result['passed_filter_reads'] ?? after.total_reads;
  const cutting = report.adapter_cutting;
  const adapters = Object.fromEntries(
    (
      [
        ['read1', cutting?.read1_adapter_sequence],
        ['read2', cutting?.read2_adapter_sequence],
      ] as const
    ).filter(([, seq]) => seq !== undefined && seq !== 'unspecified'),
  );
  return {
    sequencing: report.summary.sequencing,
    before_filtering: stage(before),
    after_filtering: stage(after),
    passed_filter_reads: passed,
    passed_filter_percent: before.total_reads > 0 ? Math.round((10000 * passed) / before.total_reads) / 100 : null,
    failed_filter_reads: failed,
    // fastp writes no adapter_cutting section for single-end reads with no adapter given or detected.
    adapter_trimmed_reads: cutting?.adapter_trimmed_reads ?? 0,
    adapter_trimmed_bases: cutting?.adapter_trimmed_bases ?? 0,
    ...(Object.keys(adapters).length > 0 ? { adapters } : {}),
    duplication_percent: report.duplication ? percent(report.duplication.rate) : null,
  };
}
