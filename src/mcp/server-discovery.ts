// server/discover's answer (MCP 2026-07-28): what initialize's answer says in the 2025 revisions,
// plus the versions we speak. The capabilities are the ones the SDK gathered from what was
// registered on the shared registry (tools, prompts, resources, completions, logging), the same
// every session's Server declares, save that 2025-11-25's `tasks` gives way to the Tasks
// extension, declared with empty settings under `extensions` as SEP-2663 (and ext-tasks'
// requester) expect. Registrations end before the first session, so the answer is made once.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type Implementation, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { MODERN_PROTOCOL_VERSION, SERVER_INFO_META_KEY, TASKS_EXTENSION_ID } from './modern-era.js';

interface CapabilitiesInternals {
  getCapabilities?: () => ServerCapabilities;
}

export interface ServerDiscovery {
  /** What initialize declares: the registry's capabilities, 2025-11-25's tasks included. */
  capabilities: ServerCapabilities;
  answer(): Record<string, unknown>;
}

export function serverDiscovery(server: McpServer, serverInfo: Implementation, instructions: string): ServerDiscovery {
  // The SDK (1.32) keeps them private, with no getter.
  const internals = server.server as unknown as CapabilitiesInternals;
  if (typeof internals.getCapabilities !== 'function') {
    throw new Error('@modelcontextprotocol/sdk: Server has no getCapabilities any more; src/mcp/server-discovery.ts needs another way to read them');
  }
  const capabilities = internals.getCapabilities.call(server.server);
  return {
    capabilities,
    answer: () => {
      const { tasks: _tasks2025, ...rest } = capabilities;
      return {
        supportedVersions: [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS],
        capabilities: { ...rest, extensions: { ...(rest.extensions as Record<string, unknown> | undefined), [TASKS_EXTENSION_ID]: {} } },
        instructions,
        _meta: { [SERVER_INFO_META_KEY]: serverInfo },
      };
    },
  };
}
