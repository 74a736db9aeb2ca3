// `bio-mcp-queue` with no arguments: MCP over stdio for a desktop client. stdout carries only
// the protocol; logs go to stderr. Ends when the client closes stdin or on SIGINT/SIGTERM.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createMcpServer } from '../mcp/create-server.js';
import { LOCAL_CALLER } from '../jobs/caller.js';
import { startRuntime } from '../runtime.js';

export async function runStdio(config: Config, log: Logger): Promise<void> {
  const runtime = await startRuntime(config, log, { embeddedWorker: config.embeddedWorker });
  const server = createMcpServer({ jobs: runtime.jobs, config, log, caller: LOCAL_CALLER });
  const transport = new StdioServerTransport();
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'stdio server stopping');
    // Stopping either way: a transport that will not close cleanly is worth a debug line only.
    await server.close().catch((err: unknown) => log.debug({ err }, 'stdio server: closing the MCP server failed'));
    await runtime.close();
    process.exit(0);
  };
  transport.onclose = () => void stop('client closed the connection');
  process.stdin.on('end', () => void stop('stdin ended'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await server.connect(transport);
  log.info({ redis: runtime.target.kind, worker: runtime.worker ? runtime.worker.queues : 'none' }, 'MCP server ready on stdio');
}
