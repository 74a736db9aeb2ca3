// MCP prompts: ready-made requests a person picks from a client's menu, each telling the model
// which of our tools to call and in what order, with the arguments already in place. Their
// arguments complete from what exists (databases, the caller's own jobs, the catalog), so a
// person chooses rather than types (session-completions.ts). Registered once for every session
// (shared-registry.ts); nothing in a prompt's text depends on who asks.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { JobsApi } from '../jobs/job-service.js';
import type { DatabaseEntry } from '../databases/database-catalog.js';
import { catalog } from '../../tools/index.js';
import { pipelines, alignAndCallVariants } from '../../tools/pipelines.js';
import { mcpToolName } from './catalog-tools.js';
import { completeDatabaseNames, completeJobIds, completeToolNames, TOOL_NAMES } from './completions.js';
import { jobResourceUri } from './job-resources.js';
import type { CompletionTable } from './session-completions.js';

const isBlastDatabase = (kind: string) => kind.startsWith('blast-');
const FOLLOW = 'Then call wait_for_job with its job_id (again while timed_out is true), and once it has completed, get_job_result for the summary and the files.';

// The arguments' schemas, made once (a zod schema costs a few KiB; issue 11).
const QueryArg = z.string().min(1).describe('The query sequences: a FASTA file path, URL, upload:// or job:// reference.');
const ReferenceArg = z.string().min(1).describe('The reference genome: a nucleotide FASTA path, URL, upload:// or job:// reference.');
const Reads1Arg = z.string().min(1).describe('The reads (FASTQ); for paired-end data the first mates.');
const Reads2Arg = z.string().min(1).optional().describe('The second mates of paired-end reads (leave out for single-end).');
const DatabaseArg = z.string().min(1).describe('A BLAST database, by the name list_databases shows.');
const JobIdArg = z.string().min(1).describe('One of your jobs, by the job_id a *_async tool returned.');
const ToolArg = z.enum(TOOL_NAMES as [string, ...string[]]).describe('A tool or pipeline: blastn, bwa_mem, align_and_call_variants, …');

function userMessage(text: string): GetPromptResult['messages'][number] {
  return { role: 'user', content: { type: 'text', text } };
}

// Which BLAST program fits a database: the query's kind is the model's to judge from the file.
function blastAdvice(database: string, entry: DatabaseEntry | undefined): string {
  if (!entry) {
    return `No BLAST database named "${database}" exists yet: call list_databases to see those that do, or build it from a FASTA file with make_blast_db_async first.`;
  }
  return entry.kind === 'blast-nucl'
    ? `"${database}" is a nucleotide database: use blastn_async for a nucleotide query, tblastn_async for a protein query.`
    : `"${database}" is a protein database: use blastp_async for a protein query, blastx_async for a nucleotide query.`;
}

export function registerPrompts(server: McpServer, jobs: JobsApi, completions: CompletionTable): void {
  completions.prompt('blast_this_file', { database: (value) => completeDatabaseNames(jobs, value, isBlastDatabase) });

  server.registerPrompt(
    'blast_this_file',
    {
      title: 'BLAST a sequence file against a database',
      description: 'Search a FASTA file (a path inside the input folders, a URL, an upload:// or job:// reference) against a BLAST database, and summarise the hits.',
      argsSchema: { query: QueryArg, database: DatabaseArg },
    },
    async ({ query, database }) => {
      const entry = (await jobs.databases()).databases.find((d) => d.name === database && isBlastDatabase(d.kind));
      return {
        description: `BLAST ${query} against ${database}`,
        messages: [
          userMessage(
            `Search the sequences in ${query} against the BLAST database "${database}". ${blastAdvice(database, entry)} ` +
              `Submit with query "${query}" and database "${database}"; the call returns a job_id at once. ${FOLLOW} ` +
              'Report the hit count, the queries with hits and the best hits (subject, percent identity, e-value, bit score); the full table is the hits file, readable as a resource.',
          ),
        ],
      };
    },
  );

  completions.prompt('map_reads_and_call_variants', {});
  server.registerPrompt(
    'map_reads_and_call_variants',
    {
      title: 'Align reads to a reference and call variants',
      description: `Run the ${alignAndCallVariants.name} pipeline (bwa mem, then bcftools call) on a reference and single- or paired-end reads, and summarise the variants.`,
      argsSchema: { reference: ReferenceArg, reads_1: Reads1Arg, reads_2: Reads2Arg },
    },
    ({ reference, reads_1, reads_2 }) => {
      const args = { reference, reads_1, ...(reads_2 ? { reads_2 } : {}) };
      return {
        description: `Align ${reads_2 ? 'paired-end' : 'single-end'} reads to ${reference} and call variants`,
        messages: [
          userMessage(
            `Call ${mcpToolName(alignAndCallVariants)} with ${JSON.stringify(args)}; it returns a job_id at once and runs bwa mem, then bcftools call, as one job. ${FOLLOW} ` +
              'Report how many reads aligned and how many variants (SNPs, indels) were called; the VCF is calls.vcf.gz among the files, and get_job_status shows which step is running meanwhile.',
          ),
        ],
      };
    },
  );

  completions.prompt('summarize_job', { job_id: (value, _context, { caller }) => completeJobIds(jobs, caller, value) });
  server.registerPrompt(
    'summarize_job',
    {
      title: 'Summarise a job',
      description: 'Explain what one of your jobs did: its state, its result and its files, or why it failed.',
      argsSchema: { job_id: JobIdArg },
    },
    ({ job_id }) => ({
      description: `Summarise job ${job_id}`,
      messages: [
        userMessage(
          `Summarise job ${job_id}. Call get_job_status with job_id "${job_id}" (or read the resource ${jobResourceUri(job_id)}). ` +
            'If it is queued or running, say where it stands and its ETA. If it completed, call get_job_result and explain the summary, the command that ran and each output file. ' +
            'If it failed, explain the error and what to change before submitting again.',
        ),
      ],
    }),
  );

  completions.prompt('run_tool', { tool: (value) => completeToolNames(value) });
  server.registerPrompt(
    'run_tool',
    {
      title: 'Run one tool or pipeline',
      description: 'Explain a catalog tool or pipeline and how to submit it, then run it on what you name.',
      argsSchema: { tool: ToolArg },
    },
    ({ tool }) => {
      const definition = [...catalog, ...pipelines].find((t) => t.name === tool)!;
      const shape = (definition.input as z.ZodObject).shape as Record<string, z.ZodType>;
      const params = Object.entries(shape).map(([name, schema]) => `${name}${schema.safeParse(undefined).success ? ' (optional)' : ''}`);
      return {
        description: `Run ${tool}`,
        messages: [
          userMessage(
            `Use ${mcpToolName(definition)}: ${definition.description}\nIts parameters: ${params.join(', ')}. ` +
              `Ask me for any input you do not have, then submit; the call returns a job_id at once. ${FOLLOW}`,
          ),
        ],
      };
    },
  );
}
