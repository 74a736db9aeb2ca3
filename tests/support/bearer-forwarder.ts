// A client that cannot send an API key (the MCP conformance suite connects with no headers of
// its own) reaches `serve` through this loopback forwarder, which adds `Authorization: Bearer
// <key>` and passes everything else through untouched: method, path, the client's own Host and
// Origin (so serve's DNS-rebinding check sees what the client sent), the body, and the answer
// streamed back as it comes (SSE included). It stands where a client's configured header would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BearerForwarder {
  /** http://127.0.0.1:<port>, the address to give the client instead of serve's. */
  url: string;
  close(): Promise<void>;
}

export async function startBearerForwarder(targetUrl: string, key: string): Promise<BearerForwarder> {
  const target = new URL(targetUrl);
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, authorization: `Bearer ${key}` } },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`bearer forwarder: ${target.host} did not answer: ${error.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections(); // SSE streams the suite left open would otherwise hold close()
        server.close(() => resolve());
      }),
  };
}
