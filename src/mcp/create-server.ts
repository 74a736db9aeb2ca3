// Builds the MCP server once, for any transport: the catalog's *_async tools, the job tools
// (tools/, one file each), the job resources (listed a page at a time, subscribable), and the
// prompts, all backed by one JobService. One server per session, so what a session chooses (its
// log level, its client's roots, its subscriptions) lives with it. Tasks (MCP 2025-11-25) are
// jobs seen through the protocol's own door: job-task-store.ts; and so are the Tasks of the
// 2026-07-28 revision (SEP-2663), served beside them: modern-era-router.ts. Adapters that set
// server.server.onclose must call the one set here first: it stops the session's subscriptions
// and task status feed.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobsApi } from '../jobs/job-service.js';
import type { Caller } from '../jobs/caller.js';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';
import { registerCatalogTools } from './catalog-tools.js';
import { registerJobResources } from './job-resources.js';
import { registerPrompts } from './prompts.js';
import { registerResourceList } from './resource-list.js';
import { registerResourceSubscriptions } from './resource-subscriptions.js';
import { SERVER_ICONS } from './server-icon.js';
import { registerJobTools } from './tools/index.js';
import { packageVersion } from '../package-info.js';
import { serverInstructions } from './server-instructions.js';
import { trackLogLevel, type SessionLogLevelState } from './session-log-level.js';
import { followClientRoots, NO_SESSION_ROOTS } from './session-roots.js';
import { JobTaskStore } from './job-task-store.js';
import { TaskStatusFeed } from './task-status-feed.js';
import { mcpToolName } from './catalog-tools.js';
import { openModernDoor } from './modern-era-router.js';
import { serverDiscovery } from './server-discovery.js';
import { TasksV2 } from './tasks-v2.js';

// The SDK gives each server an Ajv of its own (tens of KiB with its formats) for checking the
// answers to elicitations, which we never send; one for every session of `serve` does (issue 11).
let sharedValidator: AjvJsonSchemaValidator | undefined;

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
 * The server's own onclose is taken (it stops the session's task status feed): a transport
 * adapter that wants to know of the close chains onto it rather than replacing it.
 */
export function createMcpServer({ jobs, config, log, caller, clientRoots = false, logLevel: logLevelState }: McpServerOptions): McpServer {
  const taskStore = new JobTaskStore(jobs, caller, config.retentionMs);
  const serverInfo = { name: 'bio-mcp-queue', title: 'Bio-MCP Queue', version: packageVersion(), icons: SERVER_ICONS };
  const instructions = serverInstructions(catalog, pipelines);
  const server = new McpServer(serverInfo, {
    capabilities: { logging: {}, resources: { subscribe: true }, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    instructions,
    taskStore,
    jsonSchemaValidator: (sharedValidator ??= new AjvJsonSchemaValidator()),
  });
  const logLevel = trackLogLevel(server, logLevelState);
  const roots = clientRoots ? followClientRoots(server, log) : NO_SESSION_ROOTS;
  const feed = new TaskStatusFeed(server.server, jobs, caller, taskStore, log);
  registerCatalogTools(server, [...catalog, ...pipelines], { jobs, caller, roots, log, feed });
  registerJobTools(server, { jobs, caller, config, log, logLevel });
  registerJobResources(server, jobs, caller);
  registerResourceList(server, jobs, caller);
  const stopSubscriptions = registerResourceSubscriptions(server, jobs, caller, log.child({ component: 'resource-subscriptions' }));
  server.server.onclose = () => {
    feed.close();
    stopSubscriptions();
  };
  registerPrompts(server, jobs, caller);
  // MCP 2026-07-28 and its Tasks extension, beside 2025-11-25: modern-era-router.ts.
  openModernDoor(server, {
    tasks: new TasksV2(jobs, caller, taskStore),
    taskTools: new Set([...catalog, ...pipelines].map(mcpToolName)),
    discover: serverDiscovery(server, serverInfo, instructions),
  });
  return server;
}
