// readJsonBody reads the common body itself (JSON with a Content-Length, uncompressed, an object
// or array) and leaves everything else to express.json: whatever a client sends, the body it
// gets, or the error, must be what express.json alone gives. Two real HTTP servers, one with
// each reader, get the same raw requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyError, readJsonBody } from '../../src/http/json-body.js';

const LIMIT = 1024;

// express.json alone, its errors mapped as readJsonBody maps them.
function expressJsonOnly(): RequestHandler {
  const json = express.json({ limit: LIMIT });
  return (req, res, next) => json(req, res, (err?: unknown) => (err ? next(bodyError(err as Parameters<typeof bodyError>[0], req.get('content-encoding'), LIMIT)) : next()));
}

interface Answer {
  status: number;
  body: unknown;
}

async function serve(reader: RequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.post('/echo', reader, (req, res) => void res.json({ body: req.body as unknown }));
  const errors: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const e = err as { message?: string; code?: string; field?: string; status?: number };
    res.status(e.status ?? 400).json({ error: { message: e.message, code: e.code, field: e.field } });
  };
  app.use(errors);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function post(url: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/echo`, { method: 'POST', agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let ours: { url: string; close: () => Promise<void> };
let theirs: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  ours = await serve(readJsonBody(LIMIT));
  theirs = await serve(expressJsonOnly());
});

afterAll(async () => {
  await ours.close();
  await theirs.close();
});

const json = 'application/json';
const withLength = (type: string, body: Buffer, extra: Record<string, string> = {}) => ({ 'Content-Type': type, 'Content-Length': String(body.length), ...extra });

const cases: { name: string; headers: (body: Buffer) => Record<string, string>; body: Buffer }[] = [
  { name: 'an object', headers: (b) => withLength(json, b), body: Buffer.from('{"a":1,"b":[true,null,"x"]}') },
  { name: 'an array', headers: (b) => withLength(json, b), body: Buffer.from('[1,2,{"c":"é"}]') },
  { name: 'utf-8 named as the charset', headers: (b) => withLength(`${json}; charset=UTF-8`, b), body: Buffer.from('{"a":"ü"}') },
  { name: 'blanks before the object', headers: (b) => withLength(json, b), body: Buffer.from(' \n\t{"a":1}') },
  { name: 'a byte order mark', headers: (b) => withLength(json, b), body: Buffer.from('\uFEFF{"a":1}') },
  { name: 'a string, not an object', headers: (b) => withLength(json, b), body: Buffer.from('"text"') },
  { name: 'a number, not an object', headers: (b) => withLength(json, b), body: Buffer.from('42') },
  { name: 'broken JSON', headers: (b) => withLength(json, b), body: Buffer.from('{"a":') },
  { name: 'trailing garbage', headers: (b) => withLength(json, b), body: Buffer.from('{"a":1} x') },
  { name: 'an empty body', headers: (b) => withLength(json, b), body: Buffer.alloc(0) },
  { name: 'a body over the limit', headers: (b) => withLength(json, b), body: Buffer.from(`{"a":"${'x'.repeat(LIMIT)}"}`) },
  { name: 'another charset', headers: (b) => withLength(`${json}; charset=latin1`, b), body: Buffer.from('{"a":1}') },
  { name: 'another type', headers: (b) => withLength('text/plain', b), body: Buffer.from('{"a":1}') },
  { name: 'gzip', headers: (b) => withLength(json, b, { 'Content-Encoding': 'gzip' }), body: gzipSync('{"a":1}') },
  { name: 'gzip that is not', headers: (b) => withLength(json, b, { 'Content-Encoding': 'gzip' }), body: Buffer.from('{"a":1}') },
  { name: 'no length (chunked)', headers: () => ({ 'Content-Type': json, 'Transfer-Encoding': 'chunked' }), body: Buffer.from('{"a":1}') },
];

describe('readJsonBody', () => {
  for (const c of cases) {
    it(`answers ${c.name} as express.json does`, async () => {
      const [mine, reference] = await Promise.all([post(ours.url, c.headers(c.body), c.body), post(theirs.url, c.headers(c.body), c.body)]);
      expect(mine).toEqual(reference);
    });
  }
});
