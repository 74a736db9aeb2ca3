import dns from 'node:dns/promises';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/inputs/address-policy.js';
import { downloadUrl, fetchToFile } from '../../src/inputs/fetch-url.js';
import { infrastructure, inputInvalid } from './expect-error.js';
import { startLocalServer, type LocalServer } from './local-http-server.js';
import { FIXTURES, isAbsent, makeTempDir } from './temp-dir.js';

const PRIVATE_HINT =
  'a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)';

describe('downloadUrl against a real local server', () => {
  let tmp: string;
  let server: LocalServer;
  let fasta: Buffer;
  let onSlowRequest: () => void = () => undefined;
  let n = 0;
  const dest = () => path.join(tmp, `download-${++n}.fa`);
  const routes: Record<string, http.RequestListener> = {
    '/q.fa': (_req, res) => res.writeHead(200, { 'content-length': fasta.length }).end(fasta),
    '/chunked.fa': (_req, res) => {
      res.writeHead(200);
      res.write(fasta.subarray(0, 100));
      res.end(fasta.subarray(100));
    },
    '/big-declared': (_req, res) => res.writeHead(200, { 'content-length': 5000 }).end('A'.repeat(5000)),
    '/big-undeclared': (_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 5; i++) res.write('A'.repeat(1000));
      res.end();
    },
    '/missing.fa': (_req, res) => res.writeHead(404).end('not here'),
    '/busy': (_req, res) => res.writeHead(503).end(),
    '/redirect': (_req, res) => res.writeHead(302, { location: '/q.fa' }).end(),
    '/redirect-chain/0': (_req, res) => res.writeHead(301, { location: '/q.fa' }).end(),
    '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
    '/to-metadata': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    '/to-ftp': (_req, res) => res.writeHead(307, { location: 'ftp://example.org/q.fa' }).end(),
    '/reset': (req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('A'.repeat(100), () => req.socket.destroy());
    },
    '/hang': () => undefined,
    '/slow': (_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('A'.repeat(100), () => onSlowRequest());
    },
  };
  // /chain/5 redirects to /chain/4 ... /chain/0 serves the file: /chain/k needs k redirects.
  const handler: http.RequestListener = (req, res) => {
    const chain = /^\/chain\/(\d+)$/.exec(req.url ?? '');
    if (chain) {
      const k = Number(chain[1]);
      if (k === 0) return routes['/q.fa']!(req, res);
      return void res.writeHead(302, { location: `/chain/${k - 1}` }).end();
    }
    const route = routes[req.url ?? ''];
    if (route) return route(req, res);
    res.writeHead(500).end();
  };

  beforeAll(async () => {
    tmp = await makeTempDir('fetch');
    fasta = await fs.readFile(path.join(FIXTURES, 'lambda_queries.fa'));
    server = await startLocalServer(handler);
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const options = { maxBytes: 1_000_000, allowPrivate: true, timeoutMs: 10_000 };

  it('refuses the loopback server by default, before connecting', async () => {
    const url = `${server.origin}/q.fa`;
    const file = dest();
    await expect(downloadUrl('query', url, file, { ...options, allowPrivate: false })).rejects.toMatchObject(
      inputInvalid(`query: "${url}" points to 127.0.0.1, ${PRIVATE_HINT}`),
    );
    expect(await isAbsent(file)).toBe(true);
  });

  it('refuses a host name whose addresses are private, checking what DNS returns', async () => {
    const port = new URL(server.origin).port;
    const url = `http://localhost:${port}/q.fa`;
    const addresses = (await dns.lookup('localhost', { all: true, verbatim: true })).map((a) => a.address);
    await expect(downloadUrl('query', url, dest(), { ...options, allowPrivate: false })).rejects.toMatchObject(
      inputInvalid(`query: "${url}": localhost resolves to ${addresses.join(', ')}, ${PRIVATE_HINT}`),
    );
  });

  it('downloads the file when private addresses are allowed', async () => {
    const file = dest();
    await expect(downloadUrl('query', `${server.origin}/q.fa`, file, options)).resolves.toEqual({ bytes: fasta.length });
    expect(await fs.readFile(file)).toEqual(fasta);
  });

  it('downloads a body without a declared length', async () => {
    const file = dest();
    await expect(downloadUrl('query', `${server.origin}/chunked.fa`, file, options)).resolves.toEqual({ bytes: fasta.length });
    expect(await fs.readFile(file)).toEqual(fasta);
  });

  it('downloads through a host name when private addresses are allowed', async () => {
    const port = new URL(server.origin).port;
    const file = dest();
    await expect(downloadUrl('query', `http://localhost:${port}/q.fa`, file, options)).resolves.toEqual({ bytes: fasta.length });
  });

  it('refuses a declared length over the limit and leaves no file', async () => {
    const url = `${server.origin}/big-declared`;
    const file = dest();
    await expect(downloadUrl('query', url, file, { ...options, maxBytes: 1000 })).rejects.toMatchObject(
      inputInvalid(`query: "${url}" is 5000 bytes, more than the 1000-byte download limit (BIO_QUEUE_URL_MAX_BYTES)`),
    );
    expect(await isAbsent(file)).toBe(true);
  });

  it('stops an undeclared body at the limit and removes the partial file', async () => {
    const url = `${server.origin}/big-undeclared`;
    const file = dest();
    await expect(downloadUrl('query', url, file, { ...options, maxBytes: 1000 })).rejects.toMatchObject(
      inputInvalid(`query: "${url}" sent more than the 1000-byte download limit (BIO_QUEUE_URL_MAX_BYTES)`),
    );
    expect(await isAbsent(file)).toBe(true);
  });

  it('accepts a body of exactly the limit', async () => {
    await expect(downloadUrl('query', `${server.origin}/q.fa`, dest(), { ...options, maxBytes: fasta.length })).resolves.toEqual({
      bytes: fasta.length,
    });
  });

  it('names the status of a 404 as the caller’s mistake', async () => {
    const url = `${server.origin}/missing.fa`;
    const file = dest();
    await expect(downloadUrl('query', url, file, options)).rejects.toMatchObject(inputInvalid(`query: "${url}" answered HTTP 404 Not Found`));
    expect(await isAbsent(file)).toBe(true);
  });

  it('treats a 503 as worth retrying', async () => {
    const url = `${server.origin}/busy`;
    await expect(downloadUrl('query', url, dest(), options)).rejects.toMatchObject(
      infrastructure(`query: "${url}" answered HTTP 503 Service Unavailable`),
    );
  });

  it('follows redirects, up to 5', async () => {
    const file = dest();
    await expect(downloadUrl('query', `${server.origin}/redirect`, file, options)).resolves.toEqual({ bytes: fasta.length });
    expect(await fs.readFile(file)).toEqual(fasta);
    await expect(downloadUrl('query', `${server.origin}/chain/5`, dest(), options)).resolves.toEqual({ bytes: fasta.length });
  });

  it('refuses a sixth redirect', async () => {
    const url = `${server.origin}/chain/6`;
    await expect(downloadUrl('query', url, dest(), options)).rejects.toMatchObject(inputInvalid(`query: "${url}" redirected more than 5 times`));
    const loop = `${server.origin}/loop`;
    await expect(downloadUrl('query', loop, dest(), options)).rejects.toMatchObject(inputInvalid(`query: "${loop}" redirected more than 5 times`));
  });

  it('checks a redirect target again: a private address is refused', async () => {
    // The loopback server stands in for a public host (only 127.0.0.1 is let through besides
    // public addresses); its redirect to the cloud metadata address must still be refused.
    const url = `${server.origin}/to-metadata`;
    const file = dest();
    const onlyThisServer = (ip: string) => ip === '127.0.0.1' || isPublicAddress(ip);
    await expect(
      fetchToFile('query', url, file, { maxBytes: 1_000_000, timeoutMs: 10_000, isAllowedAddress: onlyThisServer }),
    ).rejects.toMatchObject(
      inputInvalid(`query: "${url}" redirects to "http://169.254.169.254/latest/meta-data/", which points to 169.254.169.254, ${PRIVATE_HINT}`),
    );
    expect(await isAbsent(file)).toBe(true);
  });

  it('checks a redirect target again: a non-http scheme is refused', async () => {
    const url = `${server.origin}/to-ftp`;
    await expect(downloadUrl('query', url, dest(), options)).rejects.toMatchObject(
      inputInvalid(`query: "${url}" redirects to "ftp://example.org/q.fa": only http:// and https:// URLs are accepted`),
    );
  });

  it('treats a connection cut mid-body as worth retrying, and removes the partial file', async () => {
    const url = `${server.origin}/reset`;
    const file = dest();
    await expect(downloadUrl('query', url, file, options)).rejects.toMatchObject(
      infrastructure(`query: download of "${url}" failed: aborted (ECONNRESET)`),
    );
    expect(await isAbsent(file)).toBe(true);
  });

  it('treats a server that never answers as stalled, worth retrying', async () => {
    const url = `${server.origin}/hang`;
    await expect(downloadUrl('query', url, dest(), { ...options, timeoutMs: 200 })).rejects.toMatchObject(
      infrastructure(`query: download of "${url}" stalled: nothing received for 200 ms`),
    );
  });

  it('stops when cancelled and removes the partial file', async () => {
    const url = `${server.origin}/slow`;
    const file = dest();
    const controller = new AbortController();
    onSlowRequest = () => controller.abort();
    await expect(downloadUrl('query', url, file, { ...options, signal: controller.signal })).rejects.toMatchObject({
      code: 'cancelled',
      message: `query: download of "${url}" was cancelled`,
    });
    expect(await isAbsent(file)).toBe(true);
  });

  it('treats a refused connection as worth retrying', async () => {
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    const url = `${closed.origin}/q.fa`;
    await expect(downloadUrl('query', url, dest(), options)).rejects.toMatchObject(
      infrastructure(`query: download of "${url}" failed: connect ECONNREFUSED ${new URL(closed.origin).host}`),
    );
  });
});
