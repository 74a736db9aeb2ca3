// One notification POST over real sockets: signed as the README says, a redirect never followed
// (wherever it points), a name that resolves to a private address refused when the POST is
// sent, and an answer that is not 2xx or no answer in time thrown back for another attempt.
import { describe, expect, it, afterEach } from 'vitest';
import { postNotification } from '../../src/jobs/notify-post.js';
import { signNotification } from '../../src/jobs/notify-signature.js';
import { startLocalServer, type LocalServer } from '../inputs/local-http-server.js';
import { infrastructure, inputInvalid } from '../inputs/expect-error.js';

const SECRET = 'notify-post-test-secret-0123456789abcdef';
const BODY = JSON.stringify({ event: 'job.completed', job_id: 'blast-0123456789abcdef', status: 'completed' });
const HINT = 'a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)';

let servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

// A receiver answering each POST with status (and Location), recording what came.
async function receiver(status: number, location?: string) {
  const got: { path: string; signature: string | undefined; body: string }[] = [];
  const server = await startLocalServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', signature: req.headers['x-bio-queue-signature'] as string | undefined, body: Buffer.concat(chunks).toString() });
      res.writeHead(status, location ? { location } : {}).end();
    });
  });
  servers.push(server);
  return { server, got };
}

const post = (url: string, allowPrivate = true, timeoutMs = 10_000) => postNotification({ url, body: BODY, secret: SECRET, allowPrivate, timeoutMs });

describe('postNotification', () => {
  it('POSTs the body as is, signed over "<t>.<body>"', async () => {
    const { server, got } = await receiver(200);
    await expect(post(`${server.origin}/hook`)).resolves.toEqual({ status: 200 });
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toBe(BODY);
    const t = Number(/^t=(\d+),/.exec(got[0]!.signature ?? '')?.[1]);
    expect(got[0]!.signature).toBe(signNotification(SECRET, BODY, t));
  });

  it('never follows a redirect: the target gets nothing, and the answer is tried again later', async () => {
    const target = await receiver(200);
    const { server } = await receiver(302, `${target.server.origin}/elsewhere`);
    await expect(post(`${server.origin}/hook`)).rejects.toMatchObject(
      infrastructure(`notify_url: "${server.origin}/hook" answered HTTP 302 (redirects are not followed)`),
    );
    expect(target.got).toEqual([]);
  });

  it('throws a 500 back for another attempt', async () => {
    const { server } = await receiver(500);
    await expect(post(`${server.origin}/hook`)).rejects.toMatchObject(infrastructure(`notify_url: "${server.origin}/hook" answered HTTP 500`));
  });

  it('refuses, for good, a host name that resolves to a private address', async () => {
    const { server, got } = await receiver(200);
    const url = server.origin.replace('127.0.0.1', 'localhost') + '/hook';
    const refused = await post(url, false).then(() => undefined, (err: unknown) => err);
    expect(refused).toMatchObject({ name: 'BioQueueError', code: 'input_invalid' });
    // Which loopback addresses localhost has depends on the machine's hosts file; all are named.
    const message = (refused as Error).message;
    expect(message.startsWith(`notify_url: ${JSON.stringify(url)}: localhost resolves to `)).toBe(true);
    expect(message.endsWith(`, ${HINT}`)).toBe(true);
    expect(message).toMatch(/resolves to .*(127\.0\.0\.1|::1)/);
    expect(got).toEqual([]);
  });

  it('refuses a literal private address before connecting', async () => {
    await expect(post('http://127.0.0.1:9/hook', false)).rejects.toMatchObject(inputInvalid(`notify_url: "http://127.0.0.1:9/hook" points to 127.0.0.1, ${HINT}`));
  });

  it('gives up on a receiver that does not answer in time, for another attempt', async () => {
    const silent = await startLocalServer(() => undefined); // reads the request, never answers
    servers.push(silent);
    await expect(post(`${silent.origin}/hook`, true, 300)).rejects.toMatchObject(infrastructure(`notify_url: "${silent.origin}/hook" did not answer within 300 ms`));
  });
});
