// The CPU an MCP call costs in /mcp's transport layer, the SDK's Node transport
// (StreamableHTTPServerTransport: @hono/node-server around the web-standard transport) against
// ours (src/http/node-streamable-transport.ts), in ONE server process: the load generator
// alternates between the two in short windows, so whatever the shared machine's load does falls
// on both alike, and each window pair gives a ratio (issue 11). The tool is trivial (it answers
// after one setImmediate, as a call answered by one quick Redis round trip would), so the
// difference is the transport's; `serve`'s own calls carry express, Redis and our tools on top.
//
//   npm run build && node dist/bench/mcp-transport-ab.js [--sessions 20] [--windows 60] [--window-ms 400]
//
// The server is a child process (this file with --serve); its CPU comes from its own
// process.cpuUsage (microseconds), asked for over HTTP between windows.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { NodeStreamableHttpTransport } from '../src/http/node-streamable-transport.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { leanClient, type LeanClient } from './support/lean-http-client.js';

const SIDES = ['sdk', 'ours'] as const;
type Side = (typeof SIDES)[number];
const PROTOCOL_VERSION = '2025-06-18';

function statusServer(): McpServer {
  const server = new McpServer({ name: 'transport-ab', version: '1.0.0' });
  server.registerTool(
    'status',
    { inputSchema: { job_id: z.string() }, outputSchema: { job_id: z.string(), status: z.string() } },
    async ({ job_id }) => {
      await new Promise((resolve) => setImmediate(resolve));
      const status = { job_id, status: 'queued' };
      return { content: [{ type: 'text', text: JSON.stringify(status) }], structuredContent: status };
    },
  );
  return server;
}

type AnyTransport = StreamableHTTPServerTransport | NodeStreamableHttpTransport;

// The child: /sdk and /ours, a session per initialize, and /cpu.
async function serve(): Promise<void> {
  const sessions = new Map<string, AnyTransport>();
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/cpu') {
        const cpu = process.cpuUsage();
        res.end(String(cpu.user + cpu.system));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body: unknown = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const sessionId = req.headers['mcp-session-id'];
      let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (!transport) {
        const options = { sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id: string) => void sessions.set(id, transport!) };
        transport = req.url === '/ours' ? new NodeStreamableHttpTransport(options) : new StreamableHTTPServerTransport(options);
        await statusServer().connect(transport);
      }
      if (transport instanceof NodeStreamableHttpTransport) await transport.handleNodeRequest(req, res, body);
      else await transport.handleRequest(req, res, body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send?.((server.address() as AddressInfo).port);
}

const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

async function openSessions(http: LeanClient, side: Side, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const init = await http.request('POST', `/${side}`, mcpHeaders, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'ab', version: '1' } } }));
    const id = init.header('mcp-session-id');
    if (init.status !== 200 || id === null) throw new Error(`initialize on /${side} answered ${init.status}: ${init.text}`);
    await http.request('POST', `/${side}`, { ...mcpHeaders, 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION }, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    ids.push(id);
  }
  return ids;
}

// Every session calls the tool in a closed loop for `ms`; the calls answered, each checked.
async function callFor(http: LeanClient, side: Side, sessions: string[], ms: number): Promise<number> {
  let calls = 0;
  const until = performance.now() + ms;
  await Promise.all(
    sessions.map(async (id) => {
      for (let n = 10; performance.now() < until; n++) {
        const answer = await http.request('POST', `/${side}`, { ...mcpHeaders, 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION }, JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'status', arguments: { job_id: 'j1' } } }));
        if (answer.status !== 200 || !answer.text.includes('"status\\":\\"queued\\"')) throw new Error(`/${side} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
        calls++;
      }
    }),
  );
  return calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serve: { type: 'boolean' }, sessions: { type: 'string' }, windows: { type: 'string' }, 'window-ms': { type: 'string' } } });
  if (values.serve) return serve();
  const sessions = wholeNumberFlag('sessions', values.sessions, 20, 1000);
  const windows = wholeNumberFlag('windows', values.windows, 60, 10_000);
  const windowMs = wholeNumberFlag('window-ms', values['window-ms'], 400, 60_000);
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(Number(m)));
      child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
    });
    const http = leanClient(`http://127.0.0.1:${port}`);
    const cpuUs = async () => Number((await http.request('GET', '/cpu', {})).text);
    const ids = { sdk: await openSessions(http, 'sdk', sessions), ours: await openSessions(http, 'ours', sessions) };
    for (const side of SIDES) await callFor(http, side, ids[side], 1000); // warm-up
    const perCall: Record<Side, number[]> = { sdk: [], ours: [] };
    const totals = { sdk: { us: 0, calls: 0 }, ours: { us: 0, calls: 0 } };
    for (let w = 0; w < windows; w++) {
      for (const side of w % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        const before = await cpuUs();
        const calls = await callFor(http, side, ids[side], windowMs);
        const us = (await cpuUs()) - before;
        perCall[side].push(us / 1000 / calls);
        totals[side].us += us;
        totals[side].calls += calls;
      }
    }
    const ratios = perCall.ours.map((ours, i) => ours / perCall.sdk[i]!);
    const lines = SIDES.map((side) => `${side.padEnd(4)}: ${totals[side].calls} calls, ${(totals[side].us / 1000 / totals[side].calls).toFixed(3)} ms CPU a call overall, window median ${median(perCall[side]).toFixed(3)}`);
    process.stdout.write(
      [
        `MCP transport A/B — ${new Date().toISOString()}, Node ${process.version}, ${sessions} sessions, ${windows} window pairs of ${windowMs} ms`,
        ...lines,
        `ours / sdk, paired by window: median ${median(ratios).toFixed(3)}, ${ratios.filter((r) => r < 1).length} of ${ratios.length} below 1`,
        '',
      ].join('\n'),
    );
    http.close();
  } finally {
    child.kill('SIGTERM');
  }
}

void main().then(
  () => undefined,
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
