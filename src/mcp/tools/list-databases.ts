// list_databases: what jobs can name (BLAST, DIAMOND and HMM databases) and the reference
// indexes already built, so an assistant knows what is ready and what a first job will build.
import { z } from 'zod';
import { DatabaseListSchema, type CachedIndex, type DatabaseEntry } from '../../databases/database-catalog.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { READ_ONLY, type JobTool } from './job-tool.js';

const name = 'list_databases';
const title = 'List databases and cached indexes';
const summary = 'The databases tools can name (BLAST, DIAMOND, HMM) with their size and counts, and the reference indexes already built.';
const description =
  'The databases that tools can use by name — BLAST nucleotide and protein databases (with title, sequence and letter counts), DIAMOND databases, HMM profile libraries — ' +
  'and the reference indexes (bwa, minimap2, samtools faidx, hmmpress, diamond) the workers have built and cached, each with the reference it was built from and its size. ' +
  'Build databases with make_blast_db_async or diamond_makedb_async; indexes are built by the first job that needs them and reused after.';
const inputSchema = z.object({});

function databaseLine(d: DatabaseEntry): string {
  const counts = d.sequences === undefined ? '' : `, ${d.sequences} sequences, ${d.letters} letters`;
  return `${d.name} (${d.kind}${counts}, ${d.size_bytes} bytes): ${d.title}`;
}

function indexLine(i: CachedIndex): string {
  return `${i.kind}${i.variant ? ` (${i.variant})` : ''} index of ${i.source_name}: ${i.size_bytes} bytes, built ${i.built_at}`;
}

export const listDatabases: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: DatabaseListSchema, annotations: READ_ONLY }, () =>
      asToolResult(log, async () => {
        const list = await jobs.databases();
        const lines = [
          ...(list.databases.length ? list.databases.map(databaseLine) : ['No databases yet: build one with make_blast_db_async.']),
          ...(list.indexes.length ? ['Cached indexes:', ...list.indexes.map(indexLine)] : []),
        ];
        return toolSuccess(list, lines.join('\n'));
      }),
    );
  },
};
