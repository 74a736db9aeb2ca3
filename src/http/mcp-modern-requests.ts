// MCP 2026-07-28 over Streamable HTTP at /mcp. That revision has no initialize and no session:
// each POST carries its protocol version and client capabilities in the message's `_meta`
// envelope (and the MCP-Protocol-Version header). Such a POST is served here, on its own, by a
// server built for the caller and a stateless SDK transport, closed when the answer is sent:
// nothing of it outlives the request, and tasks live in the queue, so any replica answers any.
// The SDK (1.32) transport refuses an MCP-Protocol-Version it does not know with a 400, before
// any handler runs; the era is checked here instead (the header must name the version the
// envelope does), and the transport is handed the request without the header, which it reads as
// "the version negotiated before". modern-era-router.ts does the rest, message by message.
import type { ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Caller } from '../jobs/caller.js';
import type { JobService } from '../jobs/job-service.js';
import { connectServer } from '../mcp/connect-server.js';
import { createMcpServer } from '../mcp/create-server.js';
import { envelopeOf } from '../mcp/modern-era.js';
import { NodeStreamableHttpTransport } from './node-streamable-transport.js';
import { headerOf, writeJson, type NodeRequest } from './node-handlers.js';

const HEADER = 'mcp-protocol-version';
const HEADER_MISMATCH = -32020;

/** The protocol version a POST's messages claim in their envelopes, if any does. */
function claimedVersion(body: unknown): string | undefined {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  for (const message of messages) {
    const envelope = typeof message === 'object' && message !== null ? envelopeOf((message as { params?: unknown }).params) : undefined;
    if (envelope) return envelope.protocolVersion;
  }
  return undefined;
}

/** A POST /mcp without a session, sent by a 2026-07-28 client. */
export function isModernPost(req: NodeRequest): boolean {
  return req.method === 'POST' && headerOf(req, 'mcp-session-id') === undefined && claimedVersion(req.body) !== undefined;
}

// The transport's view of the request reads rawHeaders (name, value, name, value, …), not headers.
function withoutHeader(req: NodeRequest, name: string): void {
  delete req.headers[name];
  const raw: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== name) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}

export async function serveModernPost(req: NodeRequest, res: ServerResponse, options: { jobs: JobService; config: Config; log: Logger; caller: Caller }): Promise<void> {
  const header = headerOf(req, HEADER);
  const claimed = claimedVersion(req.body);
  if (header !== undefined && header !== claimed) {
    // The revision's answer to a header that contradicts the body (SEP-2243): 400, -32020.
    writeJson(res, 400, { jsonrpc: '2.0', id: null, error: { code: HEADER_MISMATCH, message: `${HEADER}: header says ${header} but the request's _meta says ${claimed}` } });
    return;
  }
  withoutHeader(req, HEADER);
  const server = createMcpServer(options);
  const transport = new NodeStreamableHttpTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    server.close().catch((err: unknown) => options.log.debug({ err }, 'closing the server of a 2026-07-28 request failed'));
  });
  await connectServer(server, transport, options.log);
  await transport.handleNodeRequest(req, res, req.body);
}
