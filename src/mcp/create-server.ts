// Builds the MCP server once, for any transport: the catalog's *_async tools, the job tools
// (tools/, one file each) and the job file resources, all backed by one JobService.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobService } from '../jobs/job-service.js';
import type { Caller } from '../jobs/caller.js';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';
import { registerCatalogTools } from './catalog-tools.js';
import { registerJobResources } from './job-resources.js';
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
    { name: 'bio-mcp-queue', version: packageVersion() },
    {
      capabilities: { logging: {} },
      instructions: serverInstructions(catalog, pipelines),
    },
  );
  registerCatalogTools(server, [...catalog, ...pipelines], jobs, caller, log);
  registerJobTools(server, { jobs, caller, config, log });
  registerJobResources(server, jobs, caller);
  return server;
}
