// `bio-mcp-queue serve --processes 2` as a user runs it (the built command): a primary that
// listens and two serving processes it hands the connections to. Every request here goes on a
// connection of its own, so the primary routes each one: the connections of an MCP session must
// reach the process that holds it (a legacy SSE session lives in one process only: a POST
// /messages dealt to the other would be 404), the bytes a client sends after the head must not
// be lost in the handing over, a serving process that dies is started again, SIGTERM stops
// them all with exit 0, and they stop by themselves when the primary is killed.
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, testEnv } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const KEY = 'p'.repeat(32);
const PROTOCOL_VERSION = '2025-06-18';

interface LogLine {
  msg: string;
  pid: number;
  serveProcess?: number;
  url?: string;
  processes?: number;
  mcpSession?: string;
  sseSession?: string;
}

let child: ResultPromise;
let url: string;
let dataDir: string;
const lines: LogLine[] = [];
const waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

function logLine(test: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
  const seen = lines.find(test);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such log line within ${timeoutMs} ms; had:\n${lines.map((l) => l.msg).join('\n')}`)), timeoutMs);
    waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
  });
}

// One request on a connection of its own (agent: false): the primary routes it afresh.
function request(method: string, pathname: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${pathname}`, { method, agent: false, headers: { Authorization: `Bearer ${KEY}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// The serving processes: a primary's children.
async function servingPids(primaryPid = child.pid): Promise<number[]> {
  const { stdout } = await execa('ps', ['-o', 'pid=', '--ppid', String(primaryPid)]);
  return stdout.split('\n').map(Number).filter((pid) => pid > 0);
}

const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const initialize = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name, version: '1' } } });

beforeAll(async () => {
  const made = await testEnv({ BIO_QUEUE_API_KEYS: `alice:${KEY}`, BIO_QUEUE_LOG_LEVEL: 'info', BIO_QUEUE_EMBEDDED_WORKER: 'false' });
  dataDir = made.dataDir;
  child = execa(process.execPath, [MAIN, 'serve', '--port', '0', '--processes', '2'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...made.env }, extendEnv: false, reject: false, stdin: 'ignore' });
  readline.createInterface({ input: child.stderr! }).on('line', (text) => {
    const line = JSON.parse(text) as LogLine;
    lines.push(line);
    for (const w of waiters.filter((w) => w.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const ready = await logLine((l) => l.url !== undefined);
  expect(ready.processes).toBe(2);
  url = ready.url!;
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('serve --processes 2', () => {
  it('deals new sessions to both processes, and every later connection of a session to the one that holds it', async () => {
    const sessions: string[] = [];
    for (const name of ['one', 'two']) {
      const opened = await request('POST', '/mcp', mcpHeaders, initialize(name));
      expect(opened.status).toBe(200);
      sessions.push(opened.headers['mcp-session-id'] as string);
    }
    const homes = await Promise.all(sessions.map((id) => logLine((l) => l.msg === 'MCP session opened' && l.mcpSession === id)));
    expect(new Set(homes.map((h) => h.serveProcess))).toEqual(new Set([0, 1]));

    // Each session twice in a row: connections dealt in turn would put one of the two elsewhere.
    for (const [i, id] of sessions.flatMap((id) => [id, id, id]).entries()) {
      const listed = await request('POST', '/mcp', { ...mcpHeaders, 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION }, JSON.stringify({ jsonrpc: '2.0', id: 10 + i, method: 'tools/list' }));
      expect(listed.status).toBe(200);
      expect(listed.text).toContain('blastn_async');
    }
    // Had a request gone to the other process, it would have taken the session over from Redis.
    expect(lines.filter((l) => l.msg === 'MCP session taken over from another replica')).toEqual([]);
  });

  it('carries a legacy SSE session, which lives in one process only, through messages on new connections', async () => {
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${url}/sse`, { agent: false, headers: { Authorization: `Bearer ${KEY}`, Accept: 'text/event-stream' } }, resolve).on('error', reject);
    });
    expect(stream.statusCode).toBe(200);
    stream.setEncoding('utf8');
    let received = '';
    const events: string[] = [];
    const eventArrived = () => new Promise<string>((resolve) => {
      const take = () => {
        const end = received.indexOf('\n\n');
        if (end === -1) return stream.once('data', (chunk: string) => ((received += chunk), take()));
        const event = received.slice(0, end);
        received = received.slice(end + 2);
        events.push(event);
        resolve(event);
      };
      take();
    });
    const endpoint = /data: (.+)/.exec(await eventArrived())![1]!;
    expect(endpoint).toMatch(/\/messages\?sessionId=/);
    const post = (message: object) => request('POST', endpoint, { 'Content-Type': 'application/json' }, JSON.stringify(message));

    expect((await post(JSON.parse(initialize('legacy')) as object)).status).toBe(202);
    expect(await eventArrived()).toContain('"protocolVersion"');
    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
    for (let id = 2; id < 6; id += 1) {
      expect((await post({ jsonrpc: '2.0', id, method: 'ping' })).status).toBe(202);
      expect(await eventArrived()).toContain(`"id":${id}`);
    }
    stream.destroy();
  });

  it('loses no byte a client sends after the head, or of a head sent in pieces', async () => {
    const port = Number(new URL(url).port);
    const raw = async (pieces: string[], gapMs = 150) => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      let answer = '';
      // The answer is an SSE message whose connection stays open: read until the result is in.
      const answered = new Promise<void>((resolve) => {
        socket.setEncoding('latin1').on('data', (chunk: string) => {
          answer += chunk;
          if (answer.includes('"serverInfo"')) resolve();
        });
      });
      for (const piece of pieces) {
        socket.write(piece);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      // A lost byte leaves the request waiting for it: give up after a while, and say what came.
      await Promise.race([answered, new Promise((r) => setTimeout(r, 10_000))]);
      socket.destroy();
      return answer;
    };
    const body = initialize('raw');
    const headOf = (length: number) => `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${length}\r\n\r\n`;
    const whole = headOf(Buffer.byteLength(body));
    for (const pieces of [
      [whole, body.slice(0, 10), body.slice(10)], // the body after the head was handed on
      [whole.slice(0, 25), whole.slice(25) + body], // a head in two pieces
    ]) {
      const answer = await raw(pieces);
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer).toMatch(/mcp-session-id: [0-9a-f-]{36}/i);
      expect(answer).toContain('"protocolVersion":"2025-06-18"');
    }
    // Many at once: the primary's hand-overs queue behind each other, and a body arriving while
    // one waits must still reach the serving process.
    const answers = await Promise.all(Array.from({ length: 40 }, () => raw([whole, body], 5)));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 200 [^]*"protocolVersion":"2025-06-18"/);
  });

  it('starts a serving process that died again, and keeps answering', async () => {
    const before = await servingPids();
    expect(before).toHaveLength(2);
    process.kill(before[1]!, 'SIGKILL');
    const exited = await logLine((l) => l.msg.startsWith('a serving process exited'));
    const back = await logLine((l) => l.msg === 'a serving process is back');
    expect(back.serveProcess).toBe(exited.serveProcess);
    const after = await servingPids();
    expect(after).toHaveLength(2);
    expect(after).toContain(before[0]);
    expect(after).not.toContain(before[1]);
    for (let i = 0; i < 4; i += 1) expect((await request('GET', '/jobs', {})).status).toBe(200);
  });

  it('stops the primary and every serving process on SIGTERM, exit 0', async () => {
    const pids = await servingPids();
    expect(pids).toHaveLength(2);
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    await expect(request('GET', '/health', {})).rejects.toThrow();
  });

  it('has its serving processes stop by themselves when the primary is killed', async () => {
    const { env, dataDir: dir } = await testEnv({ BIO_QUEUE_API_KEYS: `alice:${KEY}`, BIO_QUEUE_LOG_LEVEL: 'info', BIO_QUEUE_EMBEDDED_WORKER: 'false' });
    const primary = execa(process.execPath, [MAIN, 'serve', '--port', '0', '--processes', '2'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
    try {
      for await (const text of readline.createInterface({ input: primary.stderr! })) if ((JSON.parse(text) as LogLine).url !== undefined) break;
      const pids = await servingPids(primary.pid);
      expect(pids).toHaveLength(2);
      primary.kill('SIGKILL');
      const alive = () => pids.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      for (let waited = 0; alive().length > 0 && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect(alive()).toEqual([]);
    } finally {
      primary.kill('SIGKILL');
      await primary;
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses --processes outside 1–64 (exit 2)', async () => {
    const { env } = await testEnv({ BIO_QUEUE_API_KEYS: `alice:${KEY}` });
    const run = await execa(process.execPath, [MAIN, 'serve', '--port', '0', '--processes', '0'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('bio-mcp-queue: --processes: expected a whole number from 1 to 64, got "0"');
  });
});
