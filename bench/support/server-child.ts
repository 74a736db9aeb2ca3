// The real stdio MCP server as a child process, driven by the SDK's own Client exactly as a
// desktop client would drive it. Its stderr (warnings and worse) is passed through with a label
// and its tail kept for the error message if anything goes wrong.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { JobStatus } from '../../src/jobs/job-model.js';
import { packageRoot } from '../../src/package-info.js';

export interface ServerChild {
  label: string;
  client: Client;
  pid: number | null;
  /** spawn → MCP initialize answered. */
  startupMs: number;
  /** Calls a tool and returns its structuredContent; a tool error result throws. */
  call<T>(name: string, args: Record<string, unknown>): Promise<T>;
  /** wait_for_job until the job has ended; its final status. */
  waitUntilDone(jobId: string): Promise<JobStatus>;
  /** Closes stdin and waits for the process to end (the SDK escalates to SIGTERM, then SIGKILL); returns how long it took. */
  close(): Promise<number>;
}

type ToolAnswer = { isError?: boolean; structuredContent?: unknown; content?: { type: string; text?: string }[] };

/** The built CLI the benches start (dist/src/cli/main.js); refuses to go on without a build. */
export async function builtMainJs(): Promise<string> {
  const mainJs = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  await fs.access(mainJs).catch(() => {
    throw new Error(`${mainJs} is missing: run "npm run build" first`);
  });
  return mainJs;
}

export interface ServerChildOptions {
  label: string;
  mainJs: string;
  env: Record<string, string>;
  /** Node's own flags before the script (--cpu-prof is refused in NODE_OPTIONS). */
  nodeArgs?: readonly string[];
  /** Sees every stderr line first; a line it returns true for is taken (not printed, not kept). */
  onStderrLine?: (line: string) => boolean;
}

export async function startServerChild(options: ServerChildOptions): Promise<ServerChild> {
  const { label } = options;
  let tail: string[] = [];
  // Only the SDK's short list of safe variables (PATH, HOME, …) plus ours: nothing of the
  // caller's BIO_QUEUE_* settings can leak in and point the server at another Redis.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), options.mainJs],
    env: { ...getDefaultEnvironment(), ...options.env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      if (options.onStderrLine?.(line)) continue;
      process.stderr.write(`[server ${label}] ${line}\n`);
      tail = [...tail, line].slice(-20);
    }
  });
  const client = new Client({ name: 'bio-mcp-queue-bench', version: '1.0.0' });
  const started = performance.now();
  await client.connect(transport);
  const startupMs = performance.now() - started;
  const pid = transport.pid;

  let closing: Promise<number> | undefined;
  const child: ServerChild = {
    label,
    client,
    pid,
    startupMs,
    async call<T>(name: string, args: Record<string, unknown>): Promise<T> {
      const answer = (await client.callTool({ name, arguments: args })) as ToolAnswer;
      if (answer.isError) {
        const text = (answer.content ?? []).map((c) => c.text ?? '').join(' ');
        throw new Error(`${name} on server ${label} returned an error: ${text}${tail.length ? `\nserver stderr:\n  ${tail.join('\n  ')}` : ''}`);
      }
      return answer.structuredContent as T;
    },
    async waitUntilDone(jobId) {
      for (;;) {
        const status = await child.call<JobStatus & { timed_out: boolean }>('wait_for_job', { job_id: jobId, timeout_seconds: 30 });
        if (!status.timed_out) return status;
      }
    },
    close() {
      closing ??= (async () => {
        const t = performance.now();
        await client.close();
        return performance.now() - t;
      })();
      return closing;
    },
  };
  return child;
}
