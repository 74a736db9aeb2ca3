// The blastn workload of ../shared/fixtures/make_blastn_bench.sh, as the benches use it: its
// database, the sha256 its script documents for reads26k.fa's hits, and the database linked into
// a data dir of the server's (no copy: the files are read-only to every job).
import fs from 'node:fs/promises';
import path from 'node:path';

export const BENCH_DATABASE = 'lepto_lambda';
/** hits.tsv of reads26k.fa against lepto_lambda, -task blastn, tabular, any -num_threads (make_blastn_bench.sh). */
export const READS26K_HITS_SHA256 = '38732d145ca153f0a9d59943e4fdd2d10038cdbe6727ab1eebe718339440ff65';

/** Links the workload's database files into `dbDir` (made here). */
export async function linkBenchDatabase(workload: string, dbDir: string): Promise<void> {
  await fs.mkdir(dbDir);
  for (const file of await fs.readdir(workload)) if (file.startsWith(`${BENCH_DATABASE}.`)) await fs.symlink(path.join(workload, file), path.join(dbDir, file));
}
