// diamond makedb: protein FASTA into a named DIAMOND database (<name>.dmnd) that the DIAMOND
// searches take by name. It is built in the work dir and published to the databases folder only
// when complete; a taken name is refused by the worker before anything runs. makedb reports its
// counts on stderr, which no file keeps, and its progress lines carry no numbers: a second step,
// `diamond dbinfo`, writes the counts to a file the summary reads, and progress goes by step.
import { z } from 'zod';
import { databaseName, GiB, inputReference } from './common-options.js';
import { defineTool } from './define-tool.js';
import { diamondBinary, diamondDatabase } from './diamond-kinds.js';

const DBINFO = 'dbinfo.txt';

const input = z.strictObject({
  input: inputReference('Protein sequences to index (FASTA, gzip allowed)'),
  name: databaseName.describe('Name for the new DIAMOND database; diamond_blastp_async and diamond_blastx_async then take it as "database". Must not exist yet.'),
});

// "              Sequences  45" and "                Letters  6519" in diamond dbinfo's report.
function dbinfoCount(report: string, label: string): number | null {
  const m = new RegExp(`^\\s*${label}\\s+(\\d+)\\s*$`, 'm').exec(report);
  return m ? Number(m[1]) : null;
}

export const diamondMakedb = defineTool({
  name: 'diamond_makedb',
  title: 'Build a DIAMOND database from protein FASTA',
  description:
    'Index protein sequences (a proteome, a reference protein set such as Swiss-Prot) as a named DIAMOND database that diamond_blastp_async and diamond_blastx_async search by name. ' +
    'Runs as a background job: returns a job_id at once; when it has completed, the database appears in list_databases and get_job_result gives its sequence and letter counts. ' +
    'input: protein FASTA (gzip allowed): a file path inside the allowed input folders, an http(s) URL, an upload:// reference from create_upload_url, job://<job_id>/<file>, or the FASTA text itself. ' +
    'name: letters, digits, ".", "_" or "-", not already taken. For a one-off search, the searches also take protein FASTA directly as database.',
  queue: 'blast',
  binaries: [diamondBinary],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input,
  inputs: [{ param: 'input', formats: ['fasta'], residues: 'protein', readsGzip: true }],
  publishes: (p) => ({ param: 'name', name: p.name, kind: diamondDatabase, prefix: `db/${p.name}` }),
  // "<name>.dmnd" spelled out: diamond adds the suffix only to names that lack it, so a name
  // ending in ".dmnd" would otherwise lose its own.
  steps: (p, ctx) => [
    { label: 'building the database', pipeline: [['diamond', 'makedb', '--in', ctx.input('input'), '--db', `db/${p.name}.dmnd`, '--threads', String(ctx.threads)]], weight: 9 },
    { label: 'describing the database', pipeline: [['diamond', 'dbinfo', '--db', `db/${p.name}.dmnd`]], stdout: DBINFO },
  ],
  outputs: () => [{ name: DBINFO, mediaType: 'text/plain' }],
  summarize: async (p, outputs) => {
    const report = await outputs.text(DBINFO, 64 * 1024);
    return { database: p.name, sequences: dbinfoCount(report, 'Sequences'), letters: dbinfoCount(report, 'Letters') };
  },
  limits: { maxOutputBytes: 1 * GiB },
});
