// A load generator's HTTP client: node:http on keep-alive sockets, the answer's status, headers
// and text. Global fetch (undici) builds a WHATWG Request, Headers, AbortSignal and a body
// stream for every call, and on a shared 2-core machine the generator's CPU is taken from the
// server it measures (bench/http-load.ts spent ~1.1 ms of CPU a request through fetch, as much as
// `serve` answering it: bench/RESULTS.md, issue 11). The answers are read and checked as before.
import http from 'node:http';

export interface LeanAnswer {
  status: number;
  /** A response header's value (lower-case name), or null. */
  header(name: string): string | null;
  text: string;
}

export interface LeanClient {
  request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<LeanAnswer>;
  close(): void;
}

/** A client of one origin (http://host:port), its sockets kept open between requests. */
export function leanClient(origin: string): LeanClient {
  const url = new URL(origin);
  // No cap on sockets: each closed-loop client or polling session has its own request in flight.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity });
  return {
    request: (method, path, headers, body) =>
      new Promise<LeanAnswer>((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const header = (name: string) => {
                const value = res.headers[name];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
              };
              resolve({ status: res.statusCode ?? 0, header, text: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** The same through global fetch: what the bench used before, kept to compare the generator's CPU (--client fetch). */
export function fetchClient(origin: string): LeanClient {
  return {
    async request(method, path, headers, body) {
      const res = await fetch(`${origin}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, header: (name) => res.headers.get(name), text };
    },
    close: () => undefined,
  };
}
