// `bio-mcp-queue demo`: the whole product in one run, as an MCP client would see it. It starts
// this package's own stdio server as a child process and talks MCP to it — no internals —
// builds a BLAST database from the bundled lambda phage genome, runs a real blastn of the
// bundled reads, draws the progress, and prints the summary and the result link.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Config } from '../config.js';
import type { JobResult, JobStatus, Submission } from '../jobs/job-model.js';
import { packageRoot } from '../package-info.js';

const DEMO_DB = 'lambda_demo';

interface Out {
  write(text: string): unknown;
  isTTY?: boolean;
}

type CallResult = { structuredContent?: unknown; isError?: boolean; content?: unknown };

async function call<T>(client: Client, name: string, args: Record<string, unknown>, onPercent?: (p: number, message?: string) => void): Promise<T> {
  const result = (await client.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
    ...(onPercent ? { onprogress: (p: { progress: number; message?: string }) => onPercent(p.progress, p.message) } : {}),
  })) as CallResult;
  if (result.isError) {
    const text = Array.isArray(result.content) ? result.content.map((c: { text?: string }) => c.text ?? '').join(' ') : 'error';
    throw new Error(`${name} failed: ${text}`);
  }
  return result.structuredContent as T;
}

function bar(percent: number, width = 30): string {
  const filled = Math.round((percent / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(percent)).padStart(3)}%`;
}

async function waitWithProgress(client: Client, out: Out, label: string, jobId: string): Promise<JobStatus> {
  let lastLine = '';
  const draw = (percent: number, message: string) => {
    const line = `${label} ${bar(percent)} ${message}`;
    if (line === lastLine) return;
    lastLine = line;
    out.write(out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  for (;;) {
    const status = await call<JobStatus & { timed_out: boolean }>(client, 'wait_for_job', { job_id: jobId, timeout_seconds: 20 }, (p) => {
      // 100 % is drawn once, with "done", when the answer comes.
      if (p < 100) draw(p, 'running');
    });
    draw(status.progress.percent, status.status === 'completed' ? 'done' : status.progress.message);
    if (!status.timed_out) {
      if (out.isTTY) out.write('\n');
      return status;
    }
  }
}

export async function runDemo(config: Config, out: Out): Promise<number> {
  const fixtures = path.join(packageRoot(), 'fixtures');
  const mainJs = process.argv[1]!;
  const roots = [fixtures, ...config.inputRoots].join(path.delimiter);
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mainJs],
    env: { ...env, BIO_QUEUE_INPUT_ROOTS: roots, BIO_QUEUE_LOG_LEVEL: env.BIO_QUEUE_LOG_LEVEL ?? 'warn' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bio-mcp-queue-demo', version: '1.0.0' });
  out.write(`bio-mcp-queue demo: starting the MCP server over stdio (${process.execPath} ${mainJs})\n`);
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    out.write(`Connected. ${tools.length} MCP tools: ${tools.map((t) => t.name).join(', ')}\n`);

    const { databases } = await call<{ databases: { name: string }[] }>(client, 'list_databases', {});
    if (databases.some((d) => d.name === DEMO_DB)) {
      out.write(`Database "${DEMO_DB}" already exists; reusing it.\n`);
    } else {
      const build = await call<Submission>(client, 'make_blast_db_async', {
        input: path.join(fixtures, 'lambda_virus.fa'),
        name: DEMO_DB,
        dbtype: 'nucl',
        title: 'Enterobacteria phage lambda (NC_001416.1)',
      });
      out.write(`make_blast_db_async → job ${build.job_id}\n`);
      const built = await waitWithProgress(client, out, 'makeblastdb', build.job_id);
      if (built.status !== 'completed') throw new Error(`building the database ended ${built.status}: ${built.error?.message}`);
    }

    const search = await call<Submission>(client, 'blastn_async', {
      query: path.join(fixtures, 'lambda_queries.fa'),
      database: DEMO_DB,
      task: 'blastn',
      evalue: 1e-10,
    });
    out.write(`blastn_async → job ${search.job_id} (queued at priority ${search.priority})\n`);
    const done = await waitWithProgress(client, out, 'blastn     ', search.job_id);
    if (done.status !== 'completed') throw new Error(`blastn ended ${done.status}: ${done.error?.message}`);

    const result = await call<JobResult>(client, 'get_job_result', { job_id: search.job_id });
    const summary = result.summary as { hit_count: number; queries_with_hits: number; top_hits: Record<string, unknown>[] };
    out.write(`\n${summary.hit_count} hits for ${summary.queries_with_hits} of 20 queries (${result.tool_version}, ${result.runtime_seconds} s)\n`);
    out.write(`${'query'.padEnd(8)}${'subject'.padEnd(14)}${'identity'.padStart(9)}${'length'.padStart(8)}${'e-value'.padStart(11)}${'bits'.padStart(7)}\n`);
    for (const hit of summary.top_hits.slice(0, 5)) {
      out.write(
        `${String(hit.query).padEnd(8)}${String(hit.subject).padEnd(14)}${Number(hit.percent_identity).toFixed(1).padStart(8)}%` +
          `${String(hit.alignment_length).padStart(8)}${Number(hit.evalue).toExponential(1).padStart(11)}${String(hit.bit_score).padStart(7)}\n`,
      );
    }
    out.write(`\nCommand: ${result.command?.join(' ')}\n`);
    for (const file of result.files) {
      out.write(`Result: ${file.name} (${file.size_bytes} bytes, sha256 ${file.sha256.slice(0, 16)}…)\n  ${file.url}\n`);
    }
    return 0;
  } catch (err) {
    out.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await client.close();
  }
}
