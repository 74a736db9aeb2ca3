// Builds the MCP server of one session, for any transport: the catalog's *_async tools, the job
// tools (tools/, one file each), the job resources (listed a page at a time, subscribable), and
// the prompts, all backed by one JobService. They are registered once per process on a shared
// registry (shared-registry.ts); a session is a light protocol Server holding only what it chose
// or owns — its caller, its client's roots, its log level, its subscriptions and task status feed
// (mcp-session.ts) — so `serve` can hold thousands (issue 11). Tasks (MCP 2025-11-25) are jobs seen
// through the protocol's own door: job-task-store.ts, the session's task store; and so are the
// Tasks of the 2026-07-28 revision (SEP-2663), served beside them: modern-era-router.ts. Adapters
// that set session.server.onclose must call the one set here first: it stops the session's
// subscriptions and task status feed.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobsApi } from '../jobs/job-service.js';
import type { Caller } from '../jobs/caller.js';
import { JobTaskStore } from './job-task-store.js';
import { McpSession } from './mcp-session.js';
import { trackLogLevel, type SessionLogLevelState } from './session-log-level.js';
import { followClientRoots, NO_SESSION_ROOTS } from './session-roots.js';
import { jsonSchemaValidator, sharedRegistry } from './shared-registry.js';

export interface McpServerOptions {
  jobs: JobsApi;
  config: Config;
  log: Logger;
  /** Who calls through this server: LOCAL_CALLER for stdio, the API key's caller over HTTP. */
  caller: Caller;
  /** Ask a client that has roots for them and hold path inputs to them (stdio only: session-roots.ts). */
  clientRoots?: boolean;
  /** The session's log level, when the transport keeps it beyond this server (HTTP replicas); a fresh one otherwise. */
  logLevel?: SessionLogLevelState;
}

/**
 * The session's own onclose is taken (it stops its task status feed and subscriptions): a
 * transport adapter that wants to know of the close chains onto session.server.onclose rather
 * than replacing it.
 */
export function createMcpServer({ jobs, config, log, caller, clientRoots = false, logLevel: logLevelState }: McpServerOptions): McpSession {
  const registry = sharedRegistry(jobs, config, log);
  const taskStore = new JobTaskStore(jobs, caller, config.retentionMs);
  const server = new Server(registry.serverInfo, {
    capabilities: registry.capabilities,
    instructions: registry.instructions,
    taskStore,
    jsonSchemaValidator: jsonSchemaValidator(),
  });
  const logLevel = trackLogLevel(server, logLevelState);
  const roots = clientRoots ? followClientRoots(server, log) : NO_SESSION_ROOTS;
  return new McpSession(server, registry, caller, roots, logLevel, taskStore);
}
