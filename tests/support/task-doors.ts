// Servers of ours for the ext-tasks requester tests (tests/mcp/ext-tasks*-client.test.ts): over
// stdio (the built server as a child process) or Streamable HTTP (the real `serve` stack), started
// and stopped as a crash or a redeploy would, on one Redis prefix and one data dir so a task
// outlives the server that made it. How the 2.x client connects (its protocol generation) is the
// test's: `connect` is given each new transport.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StreamableHTTPClientTransport, type Client, type Transport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { TaskEnabledSession, ToolExecution } from '@modelcontextprotocol/ext-tasks/client';
import { FIXTURES, REPO, testEnv } from './harness.js';
import { startHttpHarness, type HttpHarness } from './http-harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

/** A connected 2.x client, and whatever else the test keeps of its connection. */
export type Connection = { client: Client };

/** One running server of ours, reached through one transport, with the test's client connected. */
export type DoorServer<C extends Connection> = C & {
  /** The work root of its worker (or of the workers sharing its data dir). */
  workRoot: string;
  /** Ends it as a crash or a redeploy would: the client is not asked. */
  stop(): Promise<void>;
};

/** How to start servers of ours on one Redis prefix and one data dir, over one transport. */
export interface Door<C extends Connection> {
  /** Names the endpoint for ext-tasks: a task reference resumes only on the endpoint it came from. */
  endpointId: string;
  /** A folder inside the servers' input roots. */
  inputsDir: string;
  start(options: { worker: boolean }): Promise<DoorServer<C>>;
  close(): Promise<void>;
}

export async function stdioDoor<C extends Connection>(connect: (transport: Transport) => Promise<C>): Promise<Door<C>> {
  await fs.access(MAIN).catch(() => {
    throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  });
  const { env, dataDir, inputsDir } = await testEnv();
  const running: DoorServer<C>[] = [];
  return {
    endpointId: 'bio-mcp-queue/stdio',
    inputsDir,
    async start({ worker }) {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [MAIN],
        env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env, BIO_QUEUE_EMBEDDED_WORKER: String(worker) },
        stderr: 'pipe',
      });
      const connection = await connect(transport);
      const pid = transport.pid!;
      const server: DoorServer<C> = {
        ...connection,
        workRoot: path.join(dataDir, 'work'),
        async stop() {
          const exited = new Promise<void>((resolve) => (transport.onclose = resolve));
          process.kill(pid, 'SIGKILL');
          await exited;
        },
      };
      running.push(server);
      return server;
    },
    async close() {
      for (const s of running) await s.client.close().catch(() => undefined);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function httpDoor<C extends Connection>(connect: (transport: Transport) => Promise<C>): Promise<Door<C>> {
  // Stacks of `serve` as replicas are: one Redis prefix, one data dir (databases, results).
  const { dataDir, inputsDir } = await testEnv();
  const shared = { BIO_QUEUE_PREFIX: `t${randomBytes(6).toString('hex')}`, BIO_QUEUE_DATA_DIR: dataDir, BIO_QUEUE_INPUT_ROOTS: [FIXTURES, inputsDir].join(path.delimiter) };
  const stacks: HttpHarness[] = [];
  const clients: Client[] = [];
  return {
    endpointId: 'bio-mcp-queue/http',
    inputsDir,
    async start({ worker }) {
      const stack = await startHttpHarness({ env: shared, embeddedWorker: worker });
      stacks.push(stack);
      const connection = await connect(new StreamableHTTPClientTransport(new URL(`${stack.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${stack.keys.alice}` } } }));
      clients.push(connection.client);
      return {
        ...connection,
        workRoot: stack.config.workRoot,
        async stop() {
          await stack.close();
          stacks.splice(stacks.indexOf(stack), 1);
        },
      };
    },
    async close() {
      for (const client of clients) await client.close().catch(() => undefined);
      for (const stack of stacks) await stack.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type TaskToolResult = { structuredContent?: Record<string, unknown>; content: unknown[]; isError?: boolean; _meta?: Record<string, unknown> };

/** Calls a tool as a task through the requester and settles it, failing on anything but a completed task. */
export async function settleOk(session: TaskEnabledSession, name: string, args: Record<string, string | number>): Promise<TaskToolResult> {
  const execution = (await session.callTool(name, args, { task: { preference: 'require' } })) as ToolExecution<TaskToolResult>;
  const { outcome } = await execution.settle();
  if (outcome.status !== 'completed') throw new Error(`${name} ended ${outcome.status}`);
  if (outcome.result.isError) throw new Error(`${name} returned an error: ${JSON.stringify(outcome.result.content)}`);
  return outcome.result;
}

/**
 * A result with its download links' signatures and expiry blanked: `serve` signs a link each time
 * it answers, so two answers a second apart differ there and nowhere else.
 */
export function unsigned(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/expires=\d+&sig=[\w-]+/g, 'expires=…&sig=…').replace(/"expires_at":"[^"]+"/g, '"expires_at":"…"'));
}
