// How a HMMER job's outputs are compared with the same search typed by hand. HMMER's tables end
// with "#" lines naming the program, the files, the command line, the current dir and the date;
// its report begins with "#" lines naming the files and the worker threads and closes each
// query with its CPU time and speed. The rest is compared whole; these lines are dropped by
// name, only those that differ between the two runs.
import fs from 'node:fs/promises';

/** Lines of a run that differ between any two runs: when and where it ran, and how fast. */
export const RUN_LINES = ['Current dir', 'Date', 'CPU time', 'Mc/sec'];

/** The file's text without its "# <key>:" lines for the given keys. */
export async function withoutHashLines(file: string, keys: readonly string[]): Promise<string> {
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => !keys.some((key) => line.startsWith(`# ${key}:`)))
    .join('\n');
}

/** The "# <key>:" line of a file, as it is. */
export async function hashLine(file: string, key: string): Promise<string | undefined> {
  return (await fs.readFile(file, 'utf8')).split('\n').find((line) => line.startsWith(`# ${key}:`));
}

/** The data rows of a --tblout or --domtblout table, split into HMMER's space-aligned columns. */
export async function tableRows(file: string): Promise<string[][]> {
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.trim().split(/\s+/));
}

/**
 * The summary's top hits as the hand-run tables give them, for a search whose table lists the
 * hits best first (one query, or queries whose hits do not interleave): the first ten rows,
 * each with its rows of the domains table.
 */
export function topHitsOf(hits: readonly string[][], domains: readonly string[][]): Record<string, unknown>[] {
  const dash = (v: string) => (v === '-' ? null : v);
  return hits.slice(0, 10).map((c) => {
    const own = domains.filter((d) => d[0] === c[0] && d[3] === c[2]);
    return {
      query: c[2],
      target: c[0],
      target_accession: dash(c[1]!),
      evalue: Number(c[4]),
      score: Number(c[5]),
      bias: Number(c[6]),
      description: dash(c.slice(18).join(' ')),
      domain_count: own.length,
      domains_included: Number(c[17]),
      domains: own.slice(0, 10).map((d) => ({
        i_evalue: Number(d[12]),
        score: Number(d[13]),
        hmm_from: Number(d[15]),
        hmm_to: Number(d[16]),
        seq_from: Number(d[17]),
        seq_to: Number(d[18]),
      })),
    };
  });
}
