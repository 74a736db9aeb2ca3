// Prompts and argument completion through the MCP SDK's own Client against the real server: the
// prompts are listed and rendered with their arguments, and completion offers what exists — the
// databases list_databases shows, the caller's own jobs (over HTTP, alice never sees bob's), the
// catalog's tools, and a completed job's files for the file resource template.
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../src/mcp/completions.js';
import { callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const FILES_TEMPLATE = 'bio-mcp-queue://jobs/{job_id}/files/{name}';
const STATUS_TEMPLATE = 'bio-mcp-queue://jobs/{job_id}';

let h: Harness;
let blastJob: string;
let failedJob: string;

async function completePrompt(client: Client, prompt: string, name: string, value: string, args?: Record<string, string>) {
  const answer = await client.complete({ ref: { type: 'ref/prompt', name: prompt }, argument: { name, value }, ...(args ? { context: { arguments: args } } : {}) });
  return answer.completion;
}

async function completeTemplate(client: Client, uri: string, name: string, value: string, args?: Record<string, string>) {
  const answer = await client.complete({ ref: { type: 'ref/resource', uri }, argument: { name, value }, ...(args ? { context: { arguments: args } } : {}) });
  return answer.completion;
}

function promptText(result: { messages: { role: string; content: { type: string; text?: string } }[] }): string {
  expect(result.messages).toHaveLength(1);
  expect(result.messages[0]!.role).toBe('user');
  return result.messages[0]!.content.text!;
}

beforeAll(async () => {
  h = await startHarness();
  for (const [input, name, dbtype] of [['lambda_virus.fa', 'lambda', 'nucl'], ['globins45.fa', 'globins45', 'prot']] as const) {
    const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: path.join(FIXTURES, input), name, dbtype });
    expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
  }
  blastJob = (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' })).job_id;
  expect((await waitDone(h.client, blastJob)).status).toBe('completed');
  failedJob = (await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'no_such_db' })).job_id;
  expect((await waitDone(h.client, failedJob)).status).toBe('failed');
});

afterAll(async () => h?.close());

describe('prompts', () => {
  it('lists the prompts with their arguments', async () => {
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => [p.name, (p.arguments ?? []).map((a) => `${a.name}${a.required ? '' : '?'}`)])).toEqual([
      ['blast_this_file', ['query', 'database']],
      ['map_reads_and_call_variants', ['reference', 'reads_1', 'reads_2?']],
      ['summarize_job', ['job_id']],
      ['run_tool', ['tool']],
    ]);
    expect(prompts.every((p) => p.title && p.description)).toBe(true);
  });

  it('blast_this_file names the BLAST program that fits the database', async () => {
    const query = path.join(FIXTURES, 'lambda_queries.fa');
    const nucl = promptText(await h.client.getPrompt({ name: 'blast_this_file', arguments: { query, database: 'lambda' } }));
    expect(nucl).toContain('"lambda" is a nucleotide database: use blastn_async for a nucleotide query, tblastn_async for a protein query.');
    expect(nucl).toContain(`query "${query}" and database "lambda"`);
    expect(nucl).toContain('wait_for_job');
    expect(nucl).toContain('get_job_result');
    const prot = promptText(await h.client.getPrompt({ name: 'blast_this_file', arguments: { query, database: 'globins45' } }));
    expect(prot).toContain('"globins45" is a protein database: use blastp_async for a protein query, blastx_async for a nucleotide query.');
    const none = promptText(await h.client.getPrompt({ name: 'blast_this_file', arguments: { query, database: 'nt' } }));
    expect(none).toContain('No BLAST database named "nt" exists yet: call list_databases');
  });

  it('map_reads_and_call_variants calls the pipeline with single- or paired-end reads', async () => {
    const single = promptText(await h.client.getPrompt({ name: 'map_reads_and_call_variants', arguments: { reference: 'ref.fa', reads_1: 'r1.fq' } }));
    expect(single).toContain('Call align_and_call_variants_async with {"reference":"ref.fa","reads_1":"r1.fq"}');
    const paired = await h.client.getPrompt({ name: 'map_reads_and_call_variants', arguments: { reference: 'ref.fa', reads_1: 'r1.fq', reads_2: 'r2.fq' } });
    expect(paired.description).toBe('Align paired-end reads to ref.fa and call variants');
    expect(promptText(paired)).toContain('{"reference":"ref.fa","reads_1":"r1.fq","reads_2":"r2.fq"}');
  });

  it('summarize_job points at the job\'s status tool and resource', async () => {
    const text = promptText(await h.client.getPrompt({ name: 'summarize_job', arguments: { job_id: blastJob } }));
    expect(text).toContain(`Call get_job_status with job_id "${blastJob}" (or read the resource bio-mcp-queue://jobs/${blastJob})`);
  });

  it('run_tool lists a tool\'s parameters, and refuses a tool that does not exist, naming the argument', async () => {
    const text = promptText(await h.client.getPrompt({ name: 'run_tool', arguments: { tool: 'blastn' } }));
    expect(text).toMatch(/^Use blastn_async: /);
    expect(text).toMatch(/Its parameters: query, database, .*evalue \(optional\)/);
    await expect(h.client.getPrompt({ name: 'run_tool', arguments: { tool: 'rm' } })).rejects.toThrow(/Invalid arguments for prompt run_tool: .*tool/s);
  });

  it('refuses a prompt without a required argument', async () => {
    await expect(h.client.getPrompt({ name: 'blast_this_file', arguments: { query: 'q.fa' } })).rejects.toThrow(/database/);
  });
});

describe('completion', () => {
  it('completes database names from what list_databases shows', async () => {
    const { databases } = await callOk<{ databases: { name: string }[] }>(h.client, 'list_databases');
    const all = await completePrompt(h.client, 'blast_this_file', 'database', '');
    expect(all.values.sort()).toEqual(databases.map((d) => d.name).sort());
    expect((await completePrompt(h.client, 'blast_this_file', 'database', 'LA')).values).toEqual(['lambda']);
    expect((await completePrompt(h.client, 'blast_this_file', 'database', 'x')).values).toEqual([]);
  });

  it('completes job ids from the caller\'s jobs, newest first', async () => {
    const { jobs } = await callOk<{ jobs: { job_id: string }[] }>(h.client, 'list_jobs', { limit: 100 });
    expect((await completePrompt(h.client, 'summarize_job', 'job_id', '')).values).toEqual(jobs.map((j) => j.job_id));
    expect((await completePrompt(h.client, 'summarize_job', 'job_id', 'make_')).values).toEqual([]);
    expect((await completePrompt(h.client, 'summarize_job', 'job_id', blastJob.slice(0, 12))).values).toContain(blastJob);
  });

  it('completes tool names from the catalog and the pipelines', async () => {
    const all = await completePrompt(h.client, 'run_tool', 'tool', '');
    expect(all.values).toEqual([...TOOL_NAMES]);
    expect(all.values).toContain('align_and_call_variants');
    expect((await completePrompt(h.client, 'run_tool', 'tool', 'blast')).values).toEqual(['blastn', 'blastp', 'blastx']);
  });

  it('completes the file template: completed jobs only, then that job\'s file names', async () => {
    const { jobs } = await callOk<{ jobs: { job_id: string; status: string }[] }>(h.client, 'list_jobs', { status: 'completed', limit: 100 });
    const ids = (await completeTemplate(h.client, FILES_TEMPLATE, 'job_id', '')).values;
    expect(ids).toEqual(jobs.map((j) => j.job_id));
    expect(ids).toContain(blastJob);
    expect(ids).not.toContain(failedJob);
    expect((await completeTemplate(h.client, FILES_TEMPLATE, 'name', '', { job_id: blastJob })).values).toEqual(['hits.tsv']);
    expect((await completeTemplate(h.client, FILES_TEMPLATE, 'name', 'x', { job_id: blastJob })).values).toEqual([]);
    expect((await completeTemplate(h.client, FILES_TEMPLATE, 'name', '', { job_id: 'blast-0000000000000000' })).values).toEqual([]);
    expect((await completeTemplate(h.client, FILES_TEMPLATE, 'name', '')).values).toEqual([]);
  });

  it('completes the status template with every job, failed ones too', async () => {
    const ids = (await completeTemplate(h.client, STATUS_TEMPLATE, 'job_id', '')).values;
    expect(ids).toContain(failedJob);
    expect(ids).toContain(blastJob);
  });
});

describe('completion over HTTP, one owner at a time', () => {
  let web: HttpHarness;
  beforeAll(async () => {
    web = await startHttpHarness({ embeddedWorker: false });
  });
  afterAll(async () => web?.close());

  it('offers alice her jobs and bob his, never each other\'s', async () => {
    const alice = await web.mcp(web.keys.alice);
    const bob = await web.mcp(web.keys.bob);
    const query = path.join(FIXTURES, 'lambda_queries.fa');
    const aliceJob = (await callOk<{ job_id: string }>(alice, 'blastn_async', { query, database: 'lambda' })).job_id;
    const bobJob = (await callOk<{ job_id: string }>(bob, 'blastn_async', { query, database: 'lambda' })).job_id;
    expect((await completePrompt(alice, 'summarize_job', 'job_id', '')).values).toEqual([aliceJob]);
    expect((await completePrompt(bob, 'summarize_job', 'job_id', '')).values).toEqual([bobJob]);
    expect((await completeTemplate(alice, STATUS_TEMPLATE, 'job_id', 'blast-')).values).toEqual([aliceJob]);
    // Another owner's job has no files to offer, as if it did not exist.
    expect((await completeTemplate(alice, FILES_TEMPLATE, 'name', '', { job_id: bobJob })).values).toEqual([]);
  });
});
