// MCP over Streamable HTTP as the HTTP benches speak it: on a LeanClient (lean-http-client.ts),
// an initialize and its notification to open a session, then tools/call requests in it.
import { check } from './bench-checks.js';
import type { LeanClient } from './lean-http-client.js';

export const PROTOCOL_VERSION = '2025-06-18';

/** The headers of every MCP request made with this API key. */
export const mcpHeaders = (key: string) => ({ Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' });

// The JSON-RPC answer in a Streamable HTTP reply, sent as JSON or as one SSE message.
function rpcAnswer(text: string): { result?: Record<string, unknown>; error?: unknown } {
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  return JSON.parse(data ? data.slice(6) : text) as { result?: Record<string, unknown>; error?: unknown };
}

/** Opens session number `n`: initialize, then notifications/initialized; its id. */
export async function openSession(http: LeanClient, key: string, n: number): Promise<string> {
  const res = await http.request(
    'POST',
    '/mcp',
    mcpHeaders(key),
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: `load-${n}`, version: '1.0.0' } } }),
  );
  check(res.status === 200, `initialize ${n} answered ${res.status}: ${res.text}`);
  const sessionId = res.header('mcp-session-id');
  check(sessionId !== null, `initialize ${n} gave no mcp-session-id`);
  const ack = await http.request('POST', '/mcp', { ...mcpHeaders(key), 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION }, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  check(ack.status === 202, `notifications/initialized of session ${n} answered ${ack.status}`);
  return sessionId;
}

/** One tools/call in a session; the tool's structuredContent, or an error message. */
export async function callTool(
  http: LeanClient,
  key: string,
  sessionId: string,
  id: number,
  name: string,
  args: Record<string, unknown>,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; why: string }> {
  const res = await http.request('POST', '/mcp', { ...mcpHeaders(key), 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION }, JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }));
  const { text } = res;
  if (res.status !== 200) return { ok: false, why: `HTTP ${res.status}: ${text.slice(0, 200)}` };
  const answer = rpcAnswer(text);
  if (answer.error !== undefined) return { ok: false, why: JSON.stringify(answer.error).slice(0, 200) };
  if (answer.result?.isError) return { ok: false, why: JSON.stringify(answer.result.content).slice(0, 200) };
  return { ok: true, value: answer.result!.structuredContent as Record<string, unknown> };
}
