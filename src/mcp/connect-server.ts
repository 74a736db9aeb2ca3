// Connects an MCP server to a transport, refusing first the one argument the SDK would lose.
// The SDK parses a tools/call's arguments with a zod record, and zod leaves out an own
// "__proto__" key (a guard against prototype pollution), so a call naming one would reach our
// strict tool schema without it and be queued as if the key had never been sent. The caller is
// told instead, as for any other parameter the tool does not have.
// Outermost, a session built by createMcpServer also answers MCP 2026-07-28 requests
// (modern-era-router.ts), on whichever transport.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { inputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { toolFailure } from './tool-result.js';
import type { McpSession } from './mcp-session.js';
import { routeModernEra } from './modern-era-router.js';

const DROPPED_KEY = '__proto__';

export async function connectServer(session: McpSession, transport: Transport, log: Logger): Promise<void> {
  await session.connect(transport);
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    const refusal = refusedCall(message, log);
    if (refusal) {
      transport.send(refusal).catch((err: unknown) => log.debug({ err }, 'could not answer a refused tools/call: the client is gone'));
      return;
    }
    deliver.call(transport, message, extra);
  };
  routeModernEra(transport, session, log);
}

function refusedCall(message: JSONRPCMessage, log: Logger): JSONRPCMessage | undefined {
  if (!('method' in message) || message.method !== 'tools/call' || !('id' in message)) return undefined;
  const params = message.params as { name?: unknown; arguments?: unknown } | undefined;
  const args = params?.arguments;
  if (typeof args !== 'object' || args === null || !Object.hasOwn(args, DROPPED_KEY)) return undefined;
  const tool = typeof params?.name === 'string' ? params.name : 'this tool';
  const result = toolFailure(inputError(DROPPED_KEY, `not a parameter of ${tool}`), log);
  return { jsonrpc: '2.0', id: message.id, result };
}
