// list_databases: the BLAST databases a search can name, with their size.
import { z } from 'zod';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { READ_ONLY, type JobTool } from './job-tool.js';

const name = 'list_databases';
const title = 'List BLAST databases';
const summary = 'The BLAST databases searches can use by name, with type, title, sequence and letter counts.';
const description =
  'The BLAST databases that searches can use by name, with their type (nucl or prot), title, number of sequences and total letters. Build new ones with make_blast_db_async.';
const inputSchema = z.object({});

const DatabaseSchema = z.object({
  name: z.string(),
  dbtype: z.enum(['nucl', 'prot']),
  title: z.string(),
  sequences: z.number(),
  letters: z.number(),
});
const outputSchema = z.object({ databases: z.array(DatabaseSchema) });

export const listDatabases: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema, annotations: READ_ONLY }, () =>
      asToolResult(log, async () => {
        const databases = (await jobs.databases()).map(({ name, dbtype, title, sequences, letters }) => ({ name, dbtype, title, sequences, letters }));
        const text = databases.length
          ? databases.map((d) => `${d.name} (${d.dbtype}, ${d.sequences} sequences, ${d.letters} letters): ${d.title}`).join('\n')
          : 'No databases yet: build one with make_blast_db_async.';
        return toolSuccess({ databases }, text);
      }),
    );
  },
};
