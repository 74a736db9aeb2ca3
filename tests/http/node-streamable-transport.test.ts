// /mcp's transport tells the session's replay store which answers reached the client whole, so
// their streams are not kept for a resume that cannot come; an answer whose stream broke first is
// kept and replayed. The SDK's own server and client, on a real node:http server and socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../src/http/in-memory-event-store.js';
import { NodeStreamableHttpTransport } from '../../src/http/node-streamable-transport.js';

interface Served {
  url: string;
  store: InMemoryEventStore;
  delivered: (string | number)[][];
  /** Answers whose connection closed before they were written whole. */
  brokenOff: () => number;
  /** Answers the `held` tool's calls. */
  release: () => void;
  close: () => Promise<void>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

// One session's server, as mcp-sessions.ts builds it: a store with no grace, so whatever the
// transport reports delivered is gone at once.
async function serveOneSession(): Promise<Served> {
  const store = new InMemoryEventStore(1000, 0);
  const delivered: (string | number)[][] = [];
  let brokenOff = 0;
  let release!: () => void;
  let held = new Promise<void>((resolve) => (release = resolve));
  const mcp = new McpServer({ name: 'transport-test', version: '1.0.0' });
  mcp.registerTool('quick', { description: 'answers at once' }, async () => ({ content: [{ type: 'text', text: 'quick' }] }));
  mcp.registerTool('held', { description: 'answers when the test says' }, async () => {
    await held;
    held = new Promise<void>((resolve) => (release = resolve));
    return { content: [{ type: 'text', text: 'held' }] };
  });
  const transport = new NodeStreamableHttpTransport({
    sessionIdGenerator: () => 'session-1',
    eventStore: store,
    onAnswersDelivered: (ids) => {
      delivered.push(ids);
      store.answersDelivered(ids);
    },
  });
  await mcp.connect(transport);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      res.on('close', () => {
        if (!res.writableFinished) brokenOff += 1;
      });
      void transport.handleNodeRequest(req, res, text === '' ? undefined : JSON.parse(text));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    await mcp.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  closers.push(close);
  return { url: `http://127.0.0.1:${port}/mcp`, store, delivered, brokenOff: () => brokenOff, release: () => release(), close };
}

async function connectClient(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'transport-test-client', version: '1.0.0' });
  await client.connect(transport);
  closers.unshift(() => client.close());
  return { client, transport };
}

describe('NodeStreamableHttpTransport and the replay store', () => {
  it('reports an answer written whole as delivered, and the store lets its stream go', async () => {
    const served = await serveOneSession();
    const { client } = await connectClient(served.url);
    const result = await client.callTool({ name: 'quick', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'quick' }]);
    // initialize, then the call (its priming event and answer were stored, then let go).
    await expect.poll(() => served.delivered.length, { timeout: 10_000 }).toBe(2);
    expect(served.store.size).toBe(0);
  });

  it('keeps the answer of a call whose stream broke first, and replays it after the priming event', async () => {
    const served = await serveOneSession();
    const { transport } = await connectClient(served.url);
    const headers = { 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': transport.protocolVersion! };
    // node:http, so the connection is closed the moment the test says (not when undici gets to it).
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'broken', method: 'tools/call', params: { name: 'held', arguments: {} } });
    const request = http.request(served.url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } });
    const firstChunk = new Promise<string>((resolve, reject) => {
      request.on('response', (res) => res.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
      request.on('error', reject);
    });
    request.end(body);
    // The first event only hands out an id to resume from; then the connection drops.
    const priming = /^id: (\S+)\ndata: \n\n$/.exec(await firstChunk);
    expect(priming).not.toBeNull();
    request.destroy();
    await expect.poll(() => served.brokenOff(), { timeout: 10_000 }).toBe(1);
    served.release();
    // The answer is stored for the resume whether or not a stream is there to take it.
    await expect.poll(() => served.store.size, { timeout: 10_000 }).toBe(2);
    const deliveredBefore = served.delivered.flat();
    expect(deliveredBefore).not.toContain('broken');

    const replayed: JSONRPCMessage[] = [];
    const streamId = await served.store.replayEventsAfter(priming![1]!, { send: async (_id, message) => void replayed.push(message) });
    expect(streamId).not.toBe('');
    expect(replayed).toEqual([{ jsonrpc: '2.0', id: 'broken', result: { content: [{ type: 'text', text: 'held' }] } }]);
  });
});
