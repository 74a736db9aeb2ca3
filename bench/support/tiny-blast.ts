// The tiny BLAST the baseline runs outside the server, the way the server's worker runs it: a
// fresh work dir, the query written where the argv reads it, the given argv (no shell) with BLASTDB set,
// the tabular output read back, the work dir removed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface TinyBlast {
  /** The argv the server ran, from get_job_result's `command`. */
  argv: readonly string[];
  dbDir: string;
  workRoot: string;
  queryText: string;
}

// The file after -out, which must be tabular (-outfmt 6) so its lines are the hits.
export function tabularOutputOf(argv: readonly string[]): string {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = value('-out');
  if (value('-outfmt') !== '6' || !out) throw new Error(`expected a tabular blastn command (-outfmt 6 -out FILE), got: ${argv.join(' ')}`);
  return out;
}

function queryPathOf(argv: readonly string[]): string {
  const i = argv.indexOf('-query');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (!file || path.isAbsolute(file) || file.split('/').includes('..')) throw new Error(`expected a blastn command with a relative -query path, got: ${argv.join(' ')}`);
  return file;
}

/** Runs it once; returns the hit lines of the tabular output. */
export async function runTinyBlast(blast: TinyBlast): Promise<string[]> {
  const [file, ...args] = blast.argv;
  if (!file) throw new Error('empty argv');
  const out = tabularOutputOf(blast.argv);
  const dir = await fs.mkdtemp(path.join(blast.workRoot, 'job-'));
  try {
    // Where the argv reads it (the server stages inputs under inputs/).
    const query = path.join(dir, queryPathOf(blast.argv));
    await fs.mkdir(path.dirname(query), { recursive: true });
    await fs.writeFile(query, blast.queryText);
    await execa(file, args, { cwd: dir, env: { BLASTDB: blast.dbDir }, stdin: 'ignore', shell: false });
    const text = await fs.readFile(path.join(dir, out), 'utf8');
    return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
