import { z } from 'zod';
import { defineTool } from './define-tool.js';
import { databaseName } from './blast-options.js';
import { blastBinary, blastDbKind } from './blast-kinds.js';
import { GiB, inputReference } from './common-options.js';

const input = z.strictObject({
  input: inputReference('Sequences to index (FASTA)'),
  name: databaseName.describe('Name for the new database; searches then use it as "database". Must not exist yet.'),
  dbtype: z
    .enum(['nucl', 'prot'], { message: 'must be "nucl" (DNA/RNA) or "prot" (protein)' })
    .describe('"nucl" for nucleotide sequences, "prot" for proteins.'),
  title: z
    .string()
    .max(200, { message: 'must be at most 200 characters' })
    .regex(/^[^\u0000-\u001f]*$/, { message: 'must not contain control characters' })
    .optional()
    .describe('Human-readable title stored in the database (default: the name).'),
  parse_seqids: z
    .boolean()
    .default(true)
    .describe('Parse sequence ids from the FASTA headers (makeblastdb -parse_seqids), so hits show ids like "NC_001416.1". Turn off if makeblastdb rejects the headers.'),
});

// "Adding sequences from FASTA; added 45 sequences in 0.07 seconds."
const ADDED = /added (\d+) sequences/;

export const makeBlastDb = defineTool({
  name: 'make_blast_db',
  title: 'Build a BLAST database from FASTA',
  description:
    'Index FASTA sequences (a genome, a gene or protein set) as a BLAST database that blastn_async, blastp_async and the other BLAST tools can search by name. ' +
    'Runs as a background job: returns a job_id at once; when it has completed, the database appears in list_databases. ' +
    'input: FASTA text, a file path inside the allowed input folders, an http(s) URL, or an upload:// reference from create_upload_url (how a remote user sends a file from their own machine). name: letters, digits, ".", "_" or "-". dbtype: "nucl" or "prot".',
  queue: 'blast',
  binaries: [blastBinary('makeblastdb')],
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input,
  inputs: [{ param: 'input', formats: ['fasta'], residues: (p) => (p.dbtype === 'prot' ? 'protein' : 'nucleotide') }],
  publishes: (p) => ({ param: 'name', name: p.name, kind: blastDbKind(p.dbtype), prefix: `db/${p.name}` }),
  steps: (p, ctx) => [
    {
      label: 'building the database',
      pipeline: [
        [
          'makeblastdb',
          '-in',
          ctx.input('input'),
          '-dbtype',
          p.dbtype,
          '-out',
          `db/${p.name}`,
          '-title',
          p.title ?? p.name,
          ...(p.parse_seqids ? ['-parse_seqids'] : []),
        ],
      ],
      stdout: 'makeblastdb.log',
    },
  ],
  outputs: () => [{ name: 'makeblastdb.log', mediaType: 'text/plain' }],
  summarize: async (p, outputs) => {
    const log = await outputs.text('makeblastdb.log', 64 * 1024);
    const added = ADDED.exec(log);
    return { database: p.name, dbtype: p.dbtype, title: p.title ?? p.name, sequences: added ? Number(added[1]) : null };
  },
  limits: { maxOutputBytes: 1 * GiB },
});
