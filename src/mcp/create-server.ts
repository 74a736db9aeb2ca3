// Builds the MCP server once, for any transport: the catalog's *_async tools, the job tools
// (tools/, one file each), the job resources (listed a page at a time, subscribable), and the
// prompts, all backed by one JobService. Adapters that set server.server.onclose must call the
// one set here first: it stops the session's resource subscriptions.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobService } from '../jobs/job-service.js';
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

export interface McpServerOptions {
  jobs: JobService;
  config: Config;
  log: Logger;
  /** Who calls through this server: LOCAL_CALLER for stdio, the API key's caller over HTTP. */
  caller: Caller;
}

export function createMcpServer({ jobs, config, log, caller }: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'bio-mcp-queue', title: 'Bio-MCP Queue', version: packageVersion(), icons: SERVER_ICONS },
    {
      capabilities: { logging: {}, resources: { subscribe: true } },
      instructions: serverInstructions(catalog, pipelines),
    },
  );
  registerCatalogTools(server, [...catalog, ...pipelines], jobs, caller, log);
  registerJobTools(server, { jobs, caller, config, log });
  registerJobResources(server, jobs, caller);
  registerResourceList(server, jobs, caller);
  const stopSubscriptions = registerResourceSubscriptions(server, jobs, caller, log.child({ component: 'resource-subscriptions' }));
  server.server.onclose = stopSubscriptions;
  registerPrompts(server, jobs, caller);
  return server;
}
