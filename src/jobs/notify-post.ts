// Sends one notification: a POST of the signed JSON body on a fresh connection whose address is
// checked as a URL input's is (fetch-url.ts's lookup: every DNS answer, so a name that turns
// private later is refused too). A redirect is never followed, wherever it points: a receiver
// answers 2xx or the delivery is tried again later (notify-delivery.ts).
import http from 'node:http';
import https from 'node:https';
import { BioQueueError } from '../errors.js';
import { addressPolicy, checkedLookup, parseFetchableUrl } from '../inputs/fetch-url.js';
import { NOTIFY_FIELD } from './notify-url.js';
import { SIGNATURE_HEADER, signNotification } from './notify-signature.js';

export interface NotifyPost {
  url: string;
  body: string;
  secret: string;
  allowPrivate: boolean;
  timeoutMs: number;
  headers?: Record<string, string>;
}

/**
 * Resolves once the receiver answered 2xx. A refused address is input_invalid (trying again
 * cannot help); anything else — no answer in time, a refused connection, a non-2xx answer,
 * a redirect — is infrastructure, worth another attempt.
 */
export async function postNotification(post: NotifyPost): Promise<{ status: number }> {
  const rule = addressPolicy(post.allowPrivate);
  const url = parseFetchableUrl(NOTIFY_FIELD, post.url, rule);
  const signature = signNotification(post.secret, post.body, Math.floor(Date.now() / 1000));
  const status = await new Promise<number>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: 'POST',
      agent: false,
      lookup: checkedLookup(NOTIFY_FIELD, url, rule),
      timeout: post.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(post.body)),
        'user-agent': 'bio-mcp-queue',
        [SIGNATURE_HEADER]: signature,
        ...post.headers,
      },
    });
    req.once('timeout', () => req.destroy(new BioQueueError('infrastructure', `${NOTIFY_FIELD}: ${JSON.stringify(url.href)} did not answer within ${post.timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume(); // the answer's body means nothing to us; read it so the socket closes
      resolve(res.statusCode ?? 0);
    });
    req.end(post.body);
  }).catch((err: unknown) => {
    if (err instanceof BioQueueError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new BioQueueError('infrastructure', `${NOTIFY_FIELD}: POST to ${JSON.stringify(url.href)} failed: ${message}`, {}, { cause: err });
  });
  if (status < 200 || status > 299) {
    const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    throw new BioQueueError('infrastructure', `${NOTIFY_FIELD}: ${JSON.stringify(url.href)} answered HTTP ${status}${redirect}`);
  }
  return { status };
}
