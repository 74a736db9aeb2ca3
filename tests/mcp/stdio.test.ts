// The real thing a desktop client starts: `bio-mcp-queue` as a child process speaking MCP over
// stdio, driven by the SDK's own stdio client. stdout must carry only protocol messages.
import path from 'node:path';
import fs from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';
import { mcpToolName } from '../../src/mcp/catalog-tools.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, REPO, testEnv, waitDone } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

let client: Client;
let transport: StdioClientTransport;
let stderr = '';
const protocolErrors: Error[] = [];
let dataDir: string;

beforeAll(async () => {
  await fs.access(MAIN).catch(() => {
    throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  });
  const t = await testEnv({ BIO_QUEUE_LOG_LEVEL: 'info' });
  dataDir = t.dataDir;
  transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...t.env }, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  transport.onerror = (err) => protocolErrors.push(err);
  client = new Client({ name: 'stdio-test', version: '1.0.0' });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('bio-mcp-queue over stdio', () => {
  it('lists the public tools', async () => {
    const { tools } = await client.listTools();
    // One *_async tool per catalog entry (tests/tools/catalog.test.ts pins those names) and per
    // pipeline, then the job tools.
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        ...catalog.map(mcpToolName),
        ...pipelines.map(mcpToolName),
        'get_job_status', 'get_job_result', 'wait_for_job', 'cancel_job', 'list_jobs', 'list_databases', 'queue_stats',
      ].sort(),
    );
    expect(tools.map((t) => t.name)).toContain('bwa_mem_async');
    const blastn = tools.find((t) => t.name === 'blastn_async')!;
    expect(blastn.outputSchema).toBeDefined();
    expect(Object.keys(blastn.inputSchema.properties ?? {}).sort()).toEqual(
      ['database', 'evalue', 'idempotency_key', 'max_target_seqs', 'notify_url', 'output_format', 'priority', 'query', 'split', 'task', 'word_size'].sort(),
    );
  });

  it('runs make_blast_db and blastn to a result with a link, with progress notifications', async () => {
    const build = await callOk<{ job_id: string }>(client, 'make_blast_db_async', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
    expect((await waitDone(client, build.job_id)).status).toBe('completed');

    const submitted = await callOk<{ job_id: string; status: string }>(client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' });
    expect(submitted.status).toBe('queued');
    const progress: number[] = [];
    let status: { status: string; timed_out: boolean };
    do {
      const answer = await client.callTool({ name: 'wait_for_job', arguments: { job_id: submitted.job_id, timeout_seconds: 20 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      status = answer.structuredContent as typeof status;
    } while (status.timed_out);
    expect(status.status).toBe('completed');
    // The notification sent with the answer can be dropped by the client (see
    // src/mcp/tools/wait-for-job.ts), so only what the protocol promises is checked: some came,
    // each above the one before.
    expect(progress.length).toBeGreaterThan(0);
    for (const [i, p] of progress.entries()) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(100);
      if (i > 0) expect(p).toBeGreaterThan(progress[i - 1]!);
    }

    const result = await callOk<{ summary: { queries_with_hits: number }; files: { url: string }[] }>(client, 'get_job_result', { job_id: submitted.job_id });
    expect(result.summary.queries_with_hits).toBe(20);
    expect(result.files[0]!.url).toMatch(/^file:\/\/.*\/results\/blast-[0-9a-z]{16}\/hits\.tsv$/);
  });

  it('keeps stdout for the protocol and writes its logs to stderr', async () => {
    expect(protocolErrors).toEqual([]);
    const lines = stderr.trim().split('\n');
    expect(lines.some((l) => l.includes('MCP server ready on stdio'))).toBe(true);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
