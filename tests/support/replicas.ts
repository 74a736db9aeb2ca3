// Server processes' worth of our stack inside one test: runtimes on one shared environment (one
// Redis, one key prefix, one data dir), as replicas of `serve` or a restarted stdio server are,
// each with MCP clients connected in memory as any caller.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/create-server.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { LOCAL_CALLER, type Caller } from '../../src/jobs/caller.js';

export interface Replica {
  config: Config;
  runtime: Runtime;
  /** A client of a new MCP session on this replica, as `caller`. */
  connect(caller?: Caller): Promise<Client>;
  /** Closes its sessions and stops it, as a server process that exits. */
  close(): Promise<void>;
}

export async function startReplica(env: Record<string, string>, options: { embeddedWorker: boolean }): Promise<Replica> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  const runtime = await startRuntime(config, log, { embeddedWorker: options.embeddedWorker });
  const sessions: { client: Client; close(): Promise<void> }[] = [];
  return {
    config,
    runtime,
    async connect(caller = LOCAL_CALLER) {
      const server = createMcpServer({ jobs: runtime.jobs, config, log, caller });
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      await server.connect(serverTransport);
      const client = new Client({ name: 'replica-test', version: '1.0.0' });
      await client.connect(clientTransport);
      sessions.push({ client, close: () => server.close() });
      return client;
    },
    async close() {
      for (const s of sessions) {
        await s.client.close();
        await s.close();
      }
      await runtime.close();
    },
  };
}
