// What every aligner's run ends with: the alignments sorted by coordinate into aligned.bam (in
// the same pipeline as the aligner, so no unsorted SAM is ever written), its index, and the two
// small reports the summary is read from (samtools flagstat and samtools coverage), kept as
// files too.
import type { Argv, OutputSpec, ProgressSpec, Step } from './define-tool.js';

export const ALIGNED_BAM = 'aligned.bam';
export const FLAGSTAT_JSON = 'flagstat.json';
export const COVERAGE_TSV = 'coverage.tsv';

/** samtools sort of SAM/BAM (from stdin by default); its temporary files stay in the work dir's tmp/. */
export function sortToBam(threads: number, output = ALIGNED_BAM, input = '-'): Argv {
  return ['samtools', 'sort', '-@', String(threads), '-T', 'tmp/sort', '-o', output, input];
}

/** Index, flagstat and coverage of a coordinate-sorted BAM. */
export function indexAndReportSteps(bam = ALIGNED_BAM): Step[] {
  return [
    { label: 'indexing', pipeline: [['samtools', 'index', bam]] },
    { label: 'counting', pipeline: [['samtools', 'flagstat', '-O', 'json', bam]], stdout: FLAGSTAT_JSON },
    { label: 'measuring coverage', pipeline: [['samtools', 'coverage', bam]], stdout: COVERAGE_TSV },
  ];
}

/** The aligner piped into the sort, then index and reports: the aligner's share of the time is most of it. */
export function alignAndSortSteps(aligner: Argv, threads: number, progress: ProgressSpec | undefined): Step[] {
  return [
    { label: 'aligning', pipeline: [aligner, sortToBam(threads)], weight: 17, ...(progress ? { progress } : {}) },
    ...indexAndReportSteps(),
  ];
}

export function alignmentOutputs(bam = ALIGNED_BAM): OutputSpec[] {
  return [
    { name: bam, mediaType: 'application/vnd.bam' },
    { name: `${bam}.bai`, mediaType: 'application/octet-stream' },
    { name: FLAGSTAT_JSON, mediaType: 'application/json' },
    { name: COVERAGE_TSV, mediaType: 'text/tab-separated-values' },
  ];
}
