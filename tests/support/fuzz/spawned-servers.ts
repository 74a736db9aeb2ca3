// The built server as users run it, in its own process, for the fuzz suite: `bio-mcp-queue`
// over stdio (driven by the SDK's stdio client) and `bio-mcp-queue serve` (for Streamable HTTP
// and REST). No worker runs, so nothing a bad input might sneak through is ever executed. Each
// works in a fresh cwd and TMPDIR of its own, so a file written anywhere but its data dir shows,
// and its log lines are kept: a refused input is logged at debug, so anything at warn or above
// is a finding.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execa, type ResultPromise } from 'execa';
import { REPO, testEnv } from '../harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

/** The variables every fuzzed server runs with beyond testEnv's: no worker, limits a test can pass cheaply. */
export const FUZZ_ENV = {
  BIO_QUEUE_EMBEDDED_WORKER: 'false',
  BIO_QUEUE_LOG_LEVEL: 'info',
  // Small, so an oversized inline text is cheap to send; REST bodies past 1 MiB get 413.
  BIO_QUEUE_INLINE_MAX_BYTES: String(64 * 1024),
  BIO_QUEUE_MAX_BODY_BYTES: String(1024 * 1024),
  // Every bad input counts against the key's rate, and the limit is not under test here.
  BIO_QUEUE_SUBMIT_RATE_LIMIT: '1000000',
};

export interface ServerLog {
  /** Every line the server logged. */
  lines: string[];
  /** Lines at warn or above (pino levels 40+). */
  loud(): string[];
}

export interface FuzzedServer {
  env: Record<string, string>;
  dataDir: string;
  inputsDir: string;
  /** The server's cwd and TMPDIR: both must stay empty. */
  cwd: string;
  tmpDir: string;
  log: ServerLog;
  /** Whether the server process is still running. */
  alive(): boolean;
  close(): Promise<void>;
}

export interface StdioServer extends FuzzedServer {
  client: Client;
}

export interface HttpServer extends FuzzedServer {
  url: string;
  key: string;
  /** A Streamable HTTP MCP client with the key. */
  mcp(): Promise<Client>;
}

async function workDirs(extra: Record<string, string>) {
  const t = await testEnv({ ...FUZZ_ENV, ...extra });
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-fuzz-cwd-'));
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-fuzz-tmp-'));
  return { ...t, cwd, tmpDir, childEnv: { PATH: process.env.PATH!, HOME: process.env.HOME!, TMPDIR: tmpDir, ...t.env } };
}

function serverLog(): ServerLog & { add(line: string): void } {
  const lines: string[] = [];
  return {
    lines,
    add: (line) => void lines.push(line),
    // A line that is not one of pino's (a stack trace, a Node warning) is loud too.
    loud: () => lines.filter((line) => !(levelOf(line) < 40)),
  };
}

function levelOf(line: string): number {
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === 'number' ? level : NaN;
  } catch {
    return NaN;
  }
}

async function removeAll(...dirs: string[]): Promise<void> {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
}

export async function startStdioServer(extra: Record<string, string> = {}): Promise<StdioServer> {
  await fs.access(MAIN).catch(() => {
    throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  });
  const dirs = await workDirs(extra);
  const log = serverLog();
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env: dirs.childEnv, cwd: dirs.cwd, stderr: 'pipe' });
  readline.createInterface({ input: transport.stderr as Readable }).on('line', log.add);
  let exited = false;
  const client = new Client({ name: 'fuzz-stdio', version: '1.0.0' });
  await client.connect(transport);
  transport.onclose = () => (exited = true);
  return {
    env: dirs.env,
    dataDir: dirs.dataDir,
    inputsDir: dirs.inputsDir,
    cwd: dirs.cwd,
    tmpDir: dirs.tmpDir,
    log,
    client,
    alive: () => !exited && transport.pid !== null,
    async close() {
      await client.close();
      await removeAll(dirs.dataDir, dirs.cwd, dirs.tmpDir);
    },
  };
}

export async function startServeProcess(extra: Record<string, string> = {}): Promise<HttpServer> {
  await fs.access(MAIN);
  const key = randomBytes(24).toString('base64url');
  const dirs = await workDirs({ BIO_QUEUE_API_KEYS: `fuzzer:${key}`, ...extra });
  const log = serverLog();
  const child: ResultPromise = execa(process.execPath, [MAIN, 'serve', '--port', '0'], { env: dirs.childEnv, extendEnv: false, cwd: dirs.cwd, reject: false, stdin: 'ignore' });
  let exited = false;
  void child.then(() => (exited = true));
  const lines = readline.createInterface({ input: child.stderr! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      log.add(line);
      const entry = JSON.parse(line) as { url?: string };
      if (entry.url) resolve(entry.url);
    });
    lines.on('close', () => reject(new Error(`serve exited before it listened:\n${log.lines.join('\n')}`)));
  });
  const clients: Client[] = [];
  return {
    env: dirs.env,
    dataDir: dirs.dataDir,
    inputsDir: dirs.inputsDir,
    cwd: dirs.cwd,
    tmpDir: dirs.tmpDir,
    log,
    url,
    key,
    alive: () => !exited,
    async mcp() {
      const client = new Client({ name: 'fuzz-http', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) await client.close();
      child.kill('SIGTERM');
      await child;
      await removeAll(dirs.dataDir, dirs.cwd, dirs.tmpDir);
    },
  };
}
