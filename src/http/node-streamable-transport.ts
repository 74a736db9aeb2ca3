// MCP Streamable HTTP on Node's own request and response, for express. The protocol is the SDK's
// web-standard transport, unchanged (session and version checks, SSE framing, event ids and
// replay, priming events, keep-alives, every 4xx body); only the conversion at its edges is ours.
// The SDK's Node transport (StreamableHTTPServerTransport, 1.32) wraps the same class in
// @hono/node-server's request listener, built anew for every request, which materialises a
// WHATWG Request and Headers and pumps the Response through its generic path; here a request
// whose body express already parsed is handed over as a view of the Node request
// (web-request-view.ts), and the answer is written by send-web-response.ts (issue 11).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport, type WebStandardStreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { sendWebResponse } from './send-web-response.js';
import { requestView, requestWithBody } from './web-request-view.js';

// How long an SSE answer to a POST may hold its headers for the call to end (send-web-response.ts):
// long enough for a status read or a submission on a busy server, short beside any client timeout.
const POST_HOLD_MS = 50;

type RequestId = string | number;

export interface NodeStreamableHttpTransportOptions extends WebStandardStreamableHTTPServerTransportOptions {
  /** The answers to these requests were written whole to a connection the client still held. */
  onAnswersDelivered?: (requestIds: RequestId[]) => void;
}

export class NodeStreamableHttpTransport extends WebStandardStreamableHTTPServerTransport {
  private readonly onAnswersDelivered: ((requestIds: RequestId[]) => void) | undefined;

  constructor(options: NodeStreamableHttpTransportOptions) {
    super(options);
    this.onAnswersDelivered = options.onAnswersDelivered;
  }

  /** Serves one HTTP request of the session (POST, GET or DELETE); `parsedBody` is the JSON body express read, if any. */
  async handleNodeRequest(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    const readsBody = req.method === 'POST' && parsedBody === undefined;
    let response: Response;
    try {
      response = await this.handleRequest(readsBody ? requestWithBody(req) : requestView(req), { parsedBody });
    } catch {
      // As @hono/node-server answers a handler that throws.
      response = new Response(null, { status: 500 });
    }
    const whole = await sendWebResponse(response, res, req.method === 'POST' ? POST_HOLD_MS : 0);
    if (whole && this.onAnswersDelivered && parsedBody !== undefined) {
      const ids = requestIds(parsedBody);
      if (ids.length > 0) this.onAnswersDelivered(ids);
    }
  }
}

// The ids of the JSON-RPC requests in a POST body (one message or a batch): those that get answers.
function requestIds(body: unknown): RequestId[] {
  const ids: RequestId[] = [];
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== 'object' || message === null || !('method' in message) || !('id' in message)) continue;
    const { id } = message;
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
  }
  return ids;
}
