// `bio-mcp-queue` with no arguments: MCP over stdio for a desktop client. stdout carries only
// the protocol; logs go to stderr. Ends when the client closes stdin or on SIGINT/SIGTERM,
// within the drain time and a few seconds whatever Redis does (stop-on-signals.ts) — also while
// it is still starting, e.g. waiting for a Redis that is not there.
import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { connectServer } from '../mcp/connect-server.js';
import { createMcpServer } from '../mcp/create-server.js';
import { LOCAL_CALLER } from '../jobs/caller.js';
import { startRuntime, type Runtime } from '../runtime.js';
import { stopOnSignals } from './stop-on-signals.js';

export async function runStdio(config: Config, log: Logger): Promise<void> {
  let runtime: Runtime | undefined;
  let server: McpServer | undefined;
  const stop = stopOnSignals(log, { stopping: 'stdio server stopping', secondSignal: '' }, async () => {
    // Stopping either way: a transport that will not close cleanly is worth a debug line only.
    await server?.close().catch((err: unknown) => log.debug({ err }, 'stdio server: closing the MCP server failed'));
    await runtime?.close();
  }, config);
  // stdin is read from the start, so its end is seen even while Redis keeps the start waiting;
  // what the client sends meanwhile waits in the pass-through for the transport.
  const input = new PassThrough();
  process.stdin.on('end', () => stop('stdin ended'));
  process.stdin.pipe(input);
  runtime = await startRuntime(config, log, { embeddedWorker: config.embeddedWorker });
  server = createMcpServer({ jobs: runtime.jobs, config, log, caller: LOCAL_CALLER, clientRoots: true });
  const transport = new StdioServerTransport(input, process.stdout);
  transport.onclose = () => stop('client closed the connection');
  await connectServer(server, transport, log);
  log.info({ redis: runtime.target.kind, worker: runtime.worker ? runtime.worker.queues : 'none' }, 'MCP server ready on stdio');
}
