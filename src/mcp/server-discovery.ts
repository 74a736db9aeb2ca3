// server/discover's answer (MCP 2026-07-28): what initialize's answer says in the 2025 revisions,
// plus the versions we speak. The capabilities are the ones the SDK advertises on initialize, as
// it has gathered them from what was registered (tools, prompts, resources, completions, logging),
// save that 2025-11-25's `tasks` gives way to the Tasks extension, declared with empty settings
// under `extensions` as SEP-2663 (and ext-tasks' requester) expect.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type Implementation, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { MODERN_PROTOCOL_VERSION, SERVER_INFO_META_KEY, TASKS_EXTENSION_ID } from './modern-era.js';

interface CapabilitiesInternals {
  getCapabilities?: () => ServerCapabilities;
}

export function serverDiscovery(server: McpServer, serverInfo: Implementation, instructions: string): () => Record<string, unknown> {
  // Read on each discover, as initialize does: the SDK (1.32) keeps them private, with no getter.
  const internals = server.server as unknown as CapabilitiesInternals;
  if (typeof internals.getCapabilities !== 'function') {
    throw new Error('@modelcontextprotocol/sdk: Server has no getCapabilities any more; src/mcp/server-discovery.ts needs another way to read them');
  }
  const read = internals.getCapabilities.bind(server.server);
  return () => {
    const { tasks: _tasks2025, ...capabilities } = read();
    return {
      supportedVersions: [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS],
      capabilities: { ...capabilities, extensions: { ...(capabilities.extensions as Record<string, unknown> | undefined), [TASKS_EXTENSION_ID]: {} } },
      instructions,
      _meta: { [SERVER_INFO_META_KEY]: serverInfo },
    };
  };
}
