// The one place that reaches into the MCP SDK's private state. A `serve` replica taking over a
// session another replica opened needs a transport that accepts that session's id without an
// initialize of its own, and a Server that knows what the client declared in the initialize it
// never saw. SDK 1.x has no public way to do either (typescript-sdk issue #1658; PR #1786 would
// add a `sessionId` option), so this sets the fields initialize would have set. Each field is
// checked first: an SDK that renamed one fails here, loudly, on the first session moved between
// replicas and in tests/http/mcp-replicas.test.ts, instead of serving a half-restored session.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { SessionInit } from './mcp-session-records.js';

interface WebTransportInternals {
  sessionId: string | undefined;
  _initialized: boolean;
}

interface ServerInternals {
  _clientCapabilities: unknown;
  _clientVersion: unknown;
}

/**
 * Marks a connected, fresh transport as initialized for `sessionId` and tells its server what
 * the client sent in initialize. Throws if the SDK's internals are not what this was written for.
 */
export function adoptSession(server: { server: Server }, transport: WebStandardStreamableHTTPServerTransport, sessionId: string, init: SessionInit): void {
  const web = transport as unknown as WebTransportInternals;
  if (typeof web._initialized !== 'boolean' || web._initialized || web.sessionId !== undefined) {
    throw sdkChanged('WebStandardStreamableHTTPServerTransport._initialized');
  }
  const inner = server.server as unknown as ServerInternals;
  if (typeof (server.server as { getClientCapabilities?: unknown }).getClientCapabilities !== 'function' || server.server.getClientCapabilities() !== undefined) {
    throw sdkChanged('Server.getClientCapabilities');
  }
  web.sessionId = sessionId;
  web._initialized = true;
  inner._clientCapabilities = init.capabilities;
  inner._clientVersion = init.clientInfo;
  // What the SDK's public getters now answer proves the fields were the ones they read.
  if (transport.sessionId !== sessionId) throw sdkChanged('WebStandardStreamableHTTPServerTransport.sessionId');
  if (server.server.getClientCapabilities() !== init.capabilities || server.server.getClientVersion() !== init.clientInfo) {
    throw sdkChanged('Server._clientCapabilities/_clientVersion');
  }
}

function sdkChanged(what: string): Error {
  return new Error(`cannot take over an MCP session from another replica: @modelcontextprotocol/sdk no longer has ${what} as src/http/adopt-mcp-session.ts expects; update that file for this SDK version`);
}
