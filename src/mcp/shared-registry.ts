// The tools, prompts and resource templates, registered once per process (per JobService,
// configuration and logger) on one McpServer that is never connected: its handlers answer every
// session's tools/list, tools/call, prompts/*, resources/* and completion/complete, each reading
// the session it serves from the request (mcp-session.ts). Before, each session registered all of
// them again (38 registrations with their closures and schemas, ~60 KiB a session; issue 11).
// Answers are the SDK's own (McpServer's validation, messages, task handling), so nothing a client
// sees changed; tools/list, the same for every session, is computed once.
// The SDK (1.32) has no public way to hand a request to another server's handlers, so this reads
// the registry's Protocol._requestHandlers, checked when the registry is built: an SDK without it
// refuses to start (and tests/mcp/protocol-surface.test.ts fails) rather than answer nothing.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, type Implementation, type JSONRPCRequest, type Result, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator as JsonSchemaValidatorProvider } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Config } from '../config.js';
import type { JobsApi } from '../jobs/job-service.js';
import type { Logger } from '../logger.js';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';
import { packageVersion } from '../package-info.js';
import { mcpToolName, registerCatalogTools } from './catalog-tools.js';
import { registerJobResources } from './job-resources.js';
import { registerPrompts } from './prompts.js';
import { registerResourceList } from './resource-list.js';
import { registerResourceSubscriptions } from './resource-subscriptions.js';
import { SERVER_ICONS } from './server-icon.js';
import { answerCompletions, CompletionTable } from './session-completions.js';
import { serverDiscovery } from './server-discovery.js';
import { serverInstructions } from './server-instructions.js';
import { registerJobTools } from './tools/index.js';

/** What every session's initialize answers with, and the capabilities its Server declares. */
const SERVER_CAPABILITIES: ServerCapabilities = {
  logging: {},
  resources: { subscribe: true },
  tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
};

/** The methods sessions hand to the registry; any other a session has no handler for is unknown. */
const SHARED_METHODS = [
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
] as const;

type Handler = (request: JSONRPCRequest, extra: RequestHandlerExtra<never, never>) => Promise<Result>;

// The SDK gives each server an Ajv of its own (tens of KiB with its formats) for checking the
// answers to elicitations, which we never send; one for the process does, made on first use:
// building it (compiling its meta-schemas) was part of every start before `initialize` was answered.
let sharedAjv: AjvJsonSchemaValidator | undefined;
const sharedValidator: JsonSchemaValidatorProvider = {
  getValidator: (schema) => (sharedAjv ??= new AjvJsonSchemaValidator()).getValidator(schema),
};
export const jsonSchemaValidator = (): JsonSchemaValidatorProvider => sharedValidator;

export class SharedRegistry {
  readonly serverInfo: Implementation = { name: 'bio-mcp-queue', title: 'Bio-MCP Queue', version: packageVersion(), icons: SERVER_ICONS };
  readonly instructions = serverInstructions(catalog, pipelines);
  /** The capabilities McpServer gathered from the registrations (tools, prompts, completions, …). */
  readonly capabilities: ServerCapabilities;
  /** The tools that may answer with a task (execution.taskSupport "optional"). */
  readonly taskTools: ReadonlySet<string> = new Set([...catalog, ...pipelines].map(mcpToolName));
  /** server/discover's answer (MCP 2026-07-28), bar `resultType`. */
  readonly discover: () => Record<string, unknown>;
  private readonly handlers = new Map<string, Handler>();

  constructor(
    readonly jobs: JobsApi,
    readonly config: Config,
    readonly log: Logger,
  ) {
    const server = new McpServer(this.serverInfo, { capabilities: SERVER_CAPABILITIES, instructions: this.instructions, jsonSchemaValidator: jsonSchemaValidator() });
    registerCatalogTools(server, [...catalog, ...pipelines], { jobs, log });
    registerJobTools(server, { jobs, config, log });
    const completions = new CompletionTable();
    registerJobResources(server, jobs, completions);
    // Declared where McpServer would for the templates' completers, so capabilities keep their order.
    answerCompletions(server, completions);
    registerResourceList(server, jobs);
    registerResourceSubscriptions(server, jobs, log.child({ component: 'resource-subscriptions' }));
    registerPrompts(server, jobs, completions);
    const discover = serverDiscovery(server, this.serverInfo, this.instructions);
    this.capabilities = discover.capabilities;
    const answer = discover.answer();
    this.discover = () => answer;
    const registered = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
    for (const method of SHARED_METHODS) {
      const handler = registered instanceof Map ? (registered.get(method) as unknown) : undefined;
      if (typeof handler !== 'function') {
        throw new Error(`@modelcontextprotocol/sdk: Protocol._requestHandlers has no ${method} handler any more; src/mcp/shared-registry.ts needs another way to reach McpServer's handlers`);
      }
      this.handlers.set(method, handler as Handler);
    }
    // Every session asks for the same list, and McpServer converts each tool's zod schemas to
    // JSON Schema on every tools/list (230 KB): once does.
    const listTools = this.handlers.get('tools/list')!;
    let tools: Promise<Result> | undefined;
    this.handlers.set('tools/list', (request, extra) =>
      (tools ??= listTools(request, extra).catch((err: unknown) => {
        tools = undefined;
        throw err;
      })),
    );
  }

  /** Answers a session's request with the shared handler of its method. */
  dispatch(request: JSONRPCRequest, extra: RequestHandlerExtra<never, never>): Promise<Result> {
    const handler = this.handlers.get(request.method);
    // As the SDK answers a method it has no handler for.
    if (!handler) return Promise.reject(Object.assign(new Error('Method not found'), { code: ErrorCode.MethodNotFound }));
    return handler(request, extra);
  }
}

const registries = new WeakMap<JobsApi, WeakMap<Config, WeakMap<Logger, SharedRegistry>>>();

/** The registry of this JobService, configuration and logger, built by the first session that needs it. */
export function sharedRegistry(jobs: JobsApi, config: Config, log: Logger): SharedRegistry {
  let byConfig = registries.get(jobs);
  if (!byConfig) registries.set(jobs, (byConfig = new WeakMap()));
  let byLog = byConfig.get(config);
  if (!byLog) byConfig.set(config, (byLog = new WeakMap()));
  let registry = byLog.get(log);
  if (!registry) byLog.set(log, (registry = new SharedRegistry(jobs, config, log)));
  return registry;
}
