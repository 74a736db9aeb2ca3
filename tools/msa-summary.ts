// What a model needs to know of a multiple alignment, read from the aligned FASTA itself (line
// by line, so any size is fine) and mafft's log: how many sequences, how many columns, how
// gappy, each sequence's ungapped length range, and the strategy mafft chose (--auto picks one).
import type { OutputReader } from './define-tool.js';

export interface AlignmentStats {
  sequences: number;
  columns: number;
  /** Share of the alignment's cells that are gaps ("-"), %. */
  gap_percent: number;
  /** Columns without a gap in any sequence. */
  gapless_columns: number;
  shortest_sequence: number;
  longest_sequence: number;
  strategy: string | null;
}

export async function summarizeAlignment(outputs: OutputReader, alignment: string, log: string): Promise<AlignmentStats> {
  let sequences = 0;
  let columns = 0;
  let gaps = 0;
  let shortest = Infinity;
  let longest = 0;
  // Per column: does any sequence have a gap there.
  let gapped: Uint8Array = new Uint8Array(0);
  let current: number[] = [];
  const endRecord = () => {
    if (sequences === 0) return;
    const length = current.length;
    columns = Math.max(columns, length);
    if (gapped.length < length) {
      const grown = new Uint8Array(length);
      grown.set(gapped);
      gapped = grown;
    }
    let residues = 0;
    current.forEach((isGap, i) => {
      if (isGap) gapped[i] = 1;
      else residues += 1;
    });
    gaps += length - residues;
    shortest = Math.min(shortest, residues);
    longest = Math.max(longest, residues);
  };
  for await (const line of outputs.lines(alignment)) {
    if (line.startsWith('>')) {
      endRecord();
      sequences += 1;
      current = [];
    } else for (const c of line.trim()) current.push(c === '-' ? 1 : 0);
  }
  endRecord();
  const cells = sequences * columns;
  const strategy = /Strategy:\s*\n\s*(.+?)\s*(\(|\n|$)/.exec(await outputs.text(log, 1 << 20))?.[1] ?? null;
  return {
    sequences,
    columns,
    gap_percent: cells > 0 ? Math.round((10000 * gaps) / cells) / 100 : 0,
    gapless_columns: gapped.subarray(0, columns).reduce((n, g) => n + (g ? 0 : 1), 0),
    shortest_sequence: sequences > 0 ? shortest : 0,
    longest_sequence: longest,
    strategy,
  };
}
