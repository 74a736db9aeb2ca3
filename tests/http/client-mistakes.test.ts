// Client mistakes seen from the operator's side, against the built `serve` in its own process
// with debug logs: a charset or Content-Encoding the server does not speak, "gzip" that is not
// gzip, two Authorization headers and a client that hangs up mid-body each get a 4xx (or no
// answer, for the one who left) and one debug line without a stack; nothing is logged as a
// warning or an error, and the server keeps answering.
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import fs from 'node:fs/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO, testEnv } from '../support/harness.js';
import { rawRequest } from '../support/http-harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

interface LogLine {
  level: number;
  msg: string;
  url?: string;
  err?: unknown;
  path?: string;
}

// Sends the headers and the start of a body, then cuts the connection.
function hangUpMidBody(url: string, route: string, key: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST ${route} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
          'Accept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{"job_type": "blastn", "para',
      );
      // Long enough for the server to start reading the body; should it not have, it finds the request gone instead.
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 300);
    });
    socket.on('error', reject);
  });
}

describe('client mistakes against `serve`', () => {
  it('are answered 4xx and logged at debug without a stack, never as errors', async () => {
    const key = 'k'.repeat(32);
    const { env, dataDir } = await testEnv({ BIO_QUEUE_API_KEYS: `alice:${key}`, BIO_QUEUE_LOG_LEVEL: 'debug' });
    const child = execa(process.execPath, [MAIN, 'serve', '--port', '0'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
    try {
      const lines: LogLine[] = [];
      const ready = new Promise<string>((resolve) => {
        readline.createInterface({ input: child.stderr! }).on('line', (text) => {
          const line = JSON.parse(text) as LogLine;
          lines.push(line);
          if (line.url) resolve(line.url);
        });
      });
      const url = await ready;
      const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
      const body = JSON.stringify({ job_type: 'blastn', parameters: { query: '>q\nACGT\n', database: 'lambda' } });
      for (const route of ['/jobs/submit', '/mcp']) {
        expect((await rawRequest(url, 'POST', route, { ...headers, 'Content-Type': 'application/json; charset=foo' }, body)).status).toBe(400);
        expect((await rawRequest(url, 'POST', route, { ...headers, 'Content-Encoding': 'compress-o-matic' }, body)).status).toBe(400);
        expect((await rawRequest(url, 'POST', route, { ...headers, 'Content-Encoding': 'gzip' }, body)).status).toBe(400);
        expect((await rawRequest(url, 'POST', route, { ...headers, Authorization: [`Bearer ${key}`, `Bearer ${key}`] }, body)).status).toBe(400);
        await hangUpMidBody(url, route, key);
      }
      // Still serving, and still alive.
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect((await child).exitCode).toBe(0);

      expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
      const clientLines = lines.filter((l) => /^(client error|the client closed the connection)/.test(l.msg));
      for (const route of ['/jobs/submit', '/mcp']) {
        const messages = clientLines.filter((l) => l.path === route).map((l) => l.msg);
        expect(messages).toEqual(
          expect.arrayContaining([
            'client error: Content-Type: charset "foo" is not supported; send JSON as utf-8',
            'client error: Content-Encoding: "compress-o-matic" is not supported; send the body uncompressed, or as gzip, deflate or br',
            'client error: Content-Encoding: the body is not valid gzip data (incorrect header check)',
            'client error: Authorization: sent 2 times; send one "Authorization: Bearer <API key>" header',
            expect.stringMatching(/^the client closed the connection mid-request: /),
          ]),
        );
      }
      expect(clientLines.every((l) => l.level === 20 && l.err === undefined)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await child;
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
