// The real `serve` stack for a test, in process: startHttpServer on a free loopback port with a
// temp data dir (local storage, so links are signed /files links and uploads work), the test
// run's Redis under a prefix of its own, an embedded worker, and three keys: alice, bob and an
// admin. Clients are the real ones: fetch for REST, the MCP SDK's own Client for /mcp and /sse.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { JobStatus } from '../../src/jobs/job-model.js';
import { createLogger } from '../../src/logger.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/start-http-server.js';
import { testEnv } from './harness.js';

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpHarness {
  url: string;
  server: RunningHttpServer;
  config: Config;
  /** The environment it was started with: a replica starts from the same one. */
  env: Record<string, string>;
  dataDir: string;
  inputsDir: string;
  keys: { alice: string; bob: string; admin: string };
  /** A REST call with the given key (undefined: none); JSON in, JSON (or text) out. */
  api<T = unknown>(key: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>>;
  /** The SDK's Client over Streamable HTTP (/mcp) or legacy SSE (/sse), with the key's Authorization header. */
  mcp(key: string, transport?: 'streamable' | 'sse'): Promise<Client>;
  close(): Promise<void>;
}

const strongKey = () => randomBytes(24).toString('base64url');

/**
 * replicaOf: another `serve` replica of that harness's stack, as a load balancer would front
 * them: the same environment (Redis and key prefix, data dir, keys) on a port of its own. The
 * first harness owns the data dir; a replica's close leaves it.
 */
export async function startHttpHarness(options: { env?: Record<string, string>; embeddedWorker?: boolean; replicaOf?: HttpHarness } = {}): Promise<HttpHarness> {
  const keys = options.replicaOf?.keys ?? { alice: strongKey(), bob: strongKey(), admin: strongKey() };
  const { env, dataDir, inputsDir } = options.replicaOf
    ? { env: { ...options.replicaOf.env, ...options.env }, dataDir: options.replicaOf.dataDir, inputsDir: options.replicaOf.inputsDir }
    : await testEnv({
        BIO_QUEUE_API_KEYS: `alice:${keys.alice},bob:${keys.bob}`,
        BIO_QUEUE_ADMIN_KEYS: `admin:${keys.admin}`,
        // Small, so a test can send one byte more than an upload link takes.
        BIO_QUEUE_UPLOAD_MAX_BYTES: String(1024 * 1024),
        ...options.env,
      });
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  const server = await startHttpServer(config, log, { host: '127.0.0.1', port: 0, embeddedWorker: options.embeddedWorker ?? true });
  const clients: Client[] = [];
  return {
    url: server.url,
    server,
    config,
    env,
    dataDir,
    inputsDir,
    keys,
    async api(key, method, path, body, headers = {}) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
      return { status: response.status, headers: response.headers, body: (isJson ? JSON.parse(text) : text) as never };
    },
    async mcp(key, transport = 'streamable') {
      const requestInit = { headers: { Authorization: `Bearer ${key}` } };
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(
        transport === 'streamable'
          ? new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit })
          : new SSEClientTransport(new URL(`${server.url}/sse`), { requestInit }),
      );
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) await client.close().catch(() => undefined);
      await server.close();
      if (!options.replicaOf) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads GET /jobs/{id}/events to its end: every event, in order, as the server sent them. */
export async function readEvents(url: string, key: string, jobId: string): Promise<{ event: string; data: unknown }[]> {
  const response = await fetch(`${url}/jobs/${jobId}/events`, { headers: { Authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`events of ${jobId}: HTTP ${response.status} ${await response.text()}`);
  const text = await response.text(); // the server ends the stream once the job has ended
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.slice('event: '.length), data: JSON.parse(dataLine!.slice('data: '.length)) };
    });
}

/** Waits for a job through its event stream and returns its final status. */
export async function waitForJob(url: string, key: string, jobId: string): Promise<JobStatus> {
  const events = await readEvents(url, key, jobId);
  const statuses = events.filter((e) => e.event === 'status');
  return statuses[statuses.length - 1]!.data as JobStatus;
}

/** The body an MCP endpoint (/mcp, /sse, /messages) answers a refusal with: JSON-RPC's error, our code and field in data. */
export function mcpRefusal(body: { code: string; message: string; field?: string; retry_after_seconds?: number }, jsonRpcCode = -32000, id: string | number | null = null) {
  const { message, ...data } = body;
  return { jsonrpc: '2.0', id, error: { code: jsonRpcCode, message, data } };
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/**
 * A request sent with node:http, for what fetch will not send: a header given twice (an array
 * value), a chosen Host, a body whose bytes do not match its headers.
 */
export function rawRequest(url: string, method: string, path: string, headers: Record<string, string | string[]>, body?: Buffer | string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: res.headers['content-type']?.startsWith('application/json') && text !== '' ? JSON.parse(text) : text }));
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on('error', reject);
    req.end(body);
  });
}
