// The core path through the MCP SDK's own Client: build a database, search it, read the
// result, and check the output file byte for byte against the same blastn run directly.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runByHand } from '../support/by-hand.js';
import { callError, callOk, FIXTURES, startHarness, waitDone, type Harness } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', {
    input: path.join(FIXTURES, 'lambda_virus.fa'),
    name: 'lambda',
    dbtype: 'nucl',
  });
  const done = await waitDone(h.client, build.job_id);
  expect(done.status).toBe('completed');
});

afterAll(async () => h?.close());

describe('make_blast_db_async', () => {
  it('makes the database appear in list_databases', async () => {
    const { databases, indexes } = await callOk<{ databases: Record<string, unknown>[]; indexes: unknown[] }>(h.client, 'list_databases');
    const files = (await fs.readdir(h.config.dbDir)).filter((f) => f.startsWith('lambda.'));
    let size = 0;
    for (const f of files) size += (await fs.stat(path.join(h.config.dbDir, f))).size;
    expect(databases).toEqual([{ name: 'lambda', kind: 'blast-nucl', dbtype: 'nucl', title: 'lambda', sequences: 1, letters: 48502, size_bytes: size }]);
    expect(indexes).toEqual([]);
  });

  it('refuses to overwrite an existing database, naming the field', async () => {
    const again = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', {
      input: path.join(FIXTURES, 'lambda_virus.fa'),
      name: 'lambda',
      dbtype: 'nucl',
    });
    const done = await waitDone(h.client, again.job_id);
    expect(done.status).toBe('failed');
    expect((done.error as { message: string }).message).toBe('name: database "lambda" already exists; choose another name');
  });
});

describe('blastn_async', () => {
  it('returns a job id at once, then a result identical to running blastn directly', async () => {
    const query = path.join(FIXTURES, 'lambda_queries.fa');
    const submitted = await callOk<{ job_id: string; status: string; tool: string; queue: string; priority: number }>(h.client, 'blastn_async', {
      query,
      database: 'lambda',
    });
    expect(submitted).toEqual({ job_id: expect.stringMatching(/^blast-[0-9a-z]{16}$/), status: 'queued', tool: 'blastn', queue: 'blast', priority: 5 });

    const done = await waitDone(h.client, submitted.job_id);
    expect(done.status).toBe('completed');
    expect(done.progress).toEqual({ percent: 100, message: 'completed' });

    const result = await callOk<{
      summary: { hit_count: number; queries_with_hits: number; hsp_count: number; top_hits: Record<string, unknown>[] };
      files: { name: string; size_bytes: number; sha256: string; url: string; media_type: string; resource_uri: string }[];
      command: string[];
      tool_version: string;
      exit_code: number;
      runtime_seconds: number;
    }>(h.client, 'get_job_result', { job_id: submitted.job_id });
    expect(result.exit_code).toBe(0);
    expect(result.tool_version).toMatch(/^2\.\d+\.\d+\+$/);
    expect(result.runtime_seconds).toBeGreaterThan(0);
    expect(result.command).toEqual([
      'blastn', '-task', 'megablast', '-query', 'inputs/lambda_queries.fa', '-db', 'lambda', '-evalue', '10',
      '-max_target_seqs', '500', '-num_threads', '1', '-outfmt', '6', '-out', 'hits.tsv',
    ]);
    expect(result.files).toHaveLength(1);
    const file = result.files[0]!;
    expect(file.name).toBe('hits.tsv');
    expect(file.media_type).toBe('text/tab-separated-values');
    expect(file.url).toMatch(/^file:\/\//);

    // The oracle: the same command, typed by hand in a scratch folder.
    const hand = await runByHand(
      { 'inputs/lambda_queries.fa': query },
      'blastn -task megablast -query inputs/lambda_queries.fa -db lambda -evalue 10 -max_target_seqs 500 -num_threads 1 -outfmt 6 -out hits.tsv',
      { BLASTDB: h.config.dbDir },
    );
    const direct = await hand.file('hits.tsv');
    await hand.remove();
    const ours = await fs.readFile(fileURLToPath(file.url));
    expect(ours.equals(direct)).toBe(true);
    expect(file.size_bytes).toBe(direct.length);
    expect(file.sha256).toBe(createHash('sha256').update(direct).digest('hex'));

    // The summary agrees with the tabular output: 20 reads of lambda, one HSP each.
    const lines = direct.toString().trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(result.summary.hsp_count).toBe(20);
    expect(result.summary.hit_count).toBe(20);
    expect(result.summary.queries_with_hits).toBe(20);
    expect(result.summary.top_hits).toHaveLength(10);
    const best = lines.map((l) => l.split('\t')).sort((a, b) => Number(b[11]) - Number(a[11]))[0]!;
    expect(result.summary.top_hits[0]).toEqual({
      query: best[0],
      subject: 'NC_001416.1',
      percent_identity: Number(best[2]),
      alignment_length: Number(best[3]),
      evalue: Number(best[10]),
      bit_score: Number(best[11]),
    });

    // The same file through resources/read.
    const read = await h.client.readResource({ uri: file.resource_uri });
    const content = read.contents[0] as { text: string; mimeType: string };
    expect(content.text).toBe(direct.toString());
    expect(content.mimeType).toBe('text/tab-separated-values');
  });

  it('pages large outputs through resources/read', async () => {
    const submitted = await callOk<{ job_id: string }>(h.client, 'blastn_async', {
      query: path.join(FIXTURES, 'lambda_queries.fa'),
      database: 'lambda',
      task: 'blastn',
      evalue: 1000,
      output_format: 'xml',
    });
    expect((await waitDone(h.client, submitted.job_id)).status).toBe('completed');
    const result = await callOk<{ files: { resource_uri: string; size_bytes: number; url: string }[] }>(h.client, 'get_job_result', { job_id: submitted.job_id });
    const file = result.files[0]!;
    expect(file.size_bytes).toBeGreaterThan(64 * 1024);
    const pages: string[] = [];
    let uri: string | null = file.resource_uri;
    while (uri) {
      const read = await h.client.readResource({ uri });
      const content = read.contents[0] as { text: string };
      expect(Buffer.byteLength(content.text)).toBeLessThanOrEqual(64 * 1024);
      pages.push(content.text);
      uri = (read._meta as { next_uri: string | null }).next_uri;
    }
    expect(pages.length).toBe(Math.ceil(file.size_bytes / (64 * 1024)));
    expect(pages.join('')).toBe(await fs.readFile(fileURLToPath(file.url), 'utf8'));
  });

  it('takes inline FASTA text', async () => {
    const text = (await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa'), 'utf8')).split('>').slice(0, 4).join('>');
    const submitted = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: text, database: 'lambda' });
    expect((await waitDone(h.client, submitted.job_id)).status).toBe('completed');
    const result = await callOk<{ summary: { queries_with_hits: number } }>(h.client, 'get_job_result', { job_id: submitted.job_id });
    expect(result.summary.queries_with_hits).toBe(3);
  });

  it('fails an unknown database at once with blastn\'s own message', async () => {
    const submitted = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'no_such_db' });
    const done = await waitDone(h.client, submitted.job_id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    const error = done.error as { code: string; message: string; field: string };
    expect(error.code).toBe('input_invalid');
    expect(error.field).toBe('database');
    expect(error.message).toMatch(/^database "no_such_db" not found; list_databases shows what exists \(blastn: BLAST Database error: No alias or index file found for nucleotide database \[no_such_db\]/);
  });

  it('fails a malformed FASTA file before blastn runs (blastn itself would exit 0)', async () => {
    const submitted = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'bad', 'not_fasta.txt'), database: 'lambda' });
    const done = await waitDone(h.client, submitted.job_id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect((done.error as { code: string }).code).toBe('input_invalid');
    expect((done.error as { message: string }).message).toMatch(/^query: /);
  });

  it('refuses shell metacharacters in a database name, naming the field', async () => {
    const text = await callError(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda; rm -rf /' });
    expect(text).toContain('database');
    expect(text).toContain('must be 1-64 letters, digits, ".", "_" or "-"');
  });

  it('refuses free-form extra arguments', async () => {
    const text = await callError(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda', extra_args: '-remote' });
    expect(text).toMatch(/extra_args/);
  });

  it('refuses a path outside the input roots, and a traversal out of one', async () => {
    const outside = await callError(h.client, 'blastn_async', { query: '/etc/passwd', database: 'lambda' });
    expect(outside).toMatch(/^input_invalid: query: /);
    const traversal = await callError(h.client, 'blastn_async', { query: path.join(FIXTURES, '..', '..', '..', 'etc', 'passwd'), database: 'lambda' });
    expect(traversal).toMatch(/^input_invalid: query: /);
  });

  it('refuses a symlink inside a root that points outside it', async () => {
    const link = path.join(h.inputsDir, 'escape.fa');
    await fs.symlink('/etc/hostname', link);
    const text = await callError(h.client, 'blastn_async', { query: link, database: 'lambda' });
    expect(text).toMatch(/^input_invalid: query: /);
  });

  it('refuses inline input over the size cap', async () => {
    const big = `>big\n${'ACGT'.repeat(h.config.inlineMaxBytes / 4 + 10)}\n`;
    const text = await callError(h.client, 'blastn_async', { query: big, database: 'lambda' });
    expect(text).toMatch(/^input_invalid: query: /);
    expect(text).toContain(String(h.config.inlineMaxBytes));
  });

  it('answers an unknown job id with not_found', async () => {
    expect(await callError(h.client, 'get_job_status', { job_id: 'blast-0000000000000000' })).toBe(
      'not_found: no job "blast-0000000000000000"; list_jobs shows the jobs that exist',
    );
    expect(await callError(h.client, 'get_job_result', { job_id: '../../etc' })).toBe('not_found: no job "../../etc"; list_jobs shows the jobs that exist');
  });
});

describe('blastp_async', () => {
  it('searches a protein database built from globins45', async () => {
    const build = await callOk<{ job_id: string }>(h.client, 'make_blast_db_async', { input: path.join(FIXTURES, 'globins45.fa'), name: 'globins45', dbtype: 'prot' });
    expect((await waitDone(h.client, build.job_id)).status).toBe('completed');
    const submitted = await callOk<{ job_id: string }>(h.client, 'blastp_async', { query: path.join(FIXTURES, 'hbb_human.fa'), database: 'globins45' });
    expect((await waitDone(h.client, submitted.job_id)).status).toBe('completed');
    const result = await callOk<{ summary: { hsp_count: number; top_hits: { subject: string; percent_identity: number }[] } }>(h.client, 'get_job_result', { job_id: submitted.job_id });
    // TOOL_NOTES: 41 lines, best HBB_CALAR at 96.575 %.
    expect(result.summary.hsp_count).toBe(41);
    expect(result.summary.top_hits[0]).toMatchObject({ subject: 'HBB_CALAR', percent_identity: 96.575 });
  });
});

describe('list_jobs', () => {
  it('lists jobs newest first, filters by status and tool, and pages with a cursor', async () => {
    const all = await callOk<{ jobs: { job_id: string; submitted_at: string }[]; next_cursor: string | null }>(h.client, 'list_jobs', { limit: 100 });
    expect(all.jobs.length).toBeGreaterThanOrEqual(8);
    const times = all.jobs.map((j) => j.submitted_at);
    expect([...times].sort().reverse()).toEqual(times);

    const failed = await callOk<{ jobs: { status: string }[] }>(h.client, 'list_jobs', { status: 'failed', limit: 100 });
    expect(failed.jobs.length).toBeGreaterThanOrEqual(3);
    expect(failed.jobs.every((j) => j.status === 'failed')).toBe(true);

    const blastp = await callOk<{ jobs: { tool: string }[] }>(h.client, 'list_jobs', { tool: 'blastp' });
    expect(blastp.jobs.map((j) => j.tool)).toEqual(['blastp']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: { jobs: { job_id: string }[]; next_cursor: string | null } = await callOk(h.client, 'list_jobs', { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.jobs.length).toBeLessThanOrEqual(3);
      seen.push(...page.jobs.map((j) => j.job_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.jobs.map((j) => j.job_id));
  });
});

describe('the translated searches', () => {
  // Expected counts from the same searches run by hand (evalue 1e-3): phage reads share no
  // protein with globins, and lambda's genome holds no globin; lambda against itself hits all.
  it.each([
    { tool: 'blastx_async', query: 'lambda_queries.fa', database: 'globins45', queries: 0, hsps: 0 },
    { tool: 'tblastn_async', query: 'hbb_human.fa', database: 'lambda', queries: 0, hsps: 0 },
    { tool: 'tblastx_async', query: 'lambda_queries.fa', database: 'lambda', queries: 20, hsps: 130 },
  ])('$tool runs to a completed job with a summary', async ({ tool, query, database, queries, hsps }) => {
    const submitted = await callOk<{ job_id: string; tool: string }>(h.client, tool, { query: path.join(FIXTURES, query), database, evalue: 1e-3 });
    expect(submitted.tool).toBe(tool.replace(/_async$/, ''));
    const done = await waitDone(h.client, submitted.job_id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const result = await callOk<{ summary: { queries_with_hits: number; hsp_count: number }; command: string[] }>(h.client, 'get_job_result', { job_id: submitted.job_id });
    expect(result.command[0]).toBe(tool.replace(/_async$/, ''));
    expect(result.summary).toMatchObject({ queries_with_hits: queries, hsp_count: hsps });
  });
});

