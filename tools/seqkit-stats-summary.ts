// The summary of seqkit stats is its own table: one row per input, small enough to give whole.
// Each row keeps seqkit's column names and values (numbers as numbers; seqkit's "NaN", for
// qualities of a file of empty reads, as null) and says which of the caller's inputs it is,
// since seqkit names files by their staged paths (inputs/<file name>).
import type { OutputReader } from './define-tool.js';

export const STATS_TSV = 'stats.tsv';

/** Columns that hold text; every other column of `seqkit stats -a -T` is a number. */
const TEXT_COLUMNS = new Set(['file', 'format', 'type']);

export type StatsRow = Record<string, string | number | null>;

export async function summarizeSeqkitStats(outputs: OutputReader, inputs: readonly string[]): Promise<{ stats: StatsRow[] }> {
  let header: string[] | undefined;
  const stats: StatsRow[] = [];
  for await (const line of outputs.lines(STATS_TSV)) {
    if (line === '') continue;
    const cells = line.split('\t');
    if (!header) {
      header = cells;
      continue;
    }
    // seqkit writes the rows in the order of its arguments, which is the caller's.
    const row: StatsRow = { input: inputs[stats.length] ?? null };
    header.forEach((column, i) => {
      const cell = cells[i] ?? '';
      const value = Number(cell);
      row[column] = TEXT_COLUMNS.has(column) ? cell : cell === '' || !Number.isFinite(value) ? null : value;
    });
    stats.push(row);
  }
  return { stats };
}
