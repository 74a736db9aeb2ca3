// Downloads an http(s):// input into a job's work dir without letting the URL reach into the
// local network: every address a host resolves to is checked, and the socket connects to the
// very address that was checked (our lookup hands it over), so DNS rebinding cannot slip past.
// Each redirect is checked again. Caller mistakes are input errors; network trouble retries.
import dns from 'node:dns';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BioQueueError, inputError } from '../errors.js';
import { isPublicAddress } from './address-policy.js';
import { errorCode } from './path-roots.js';

export interface DownloadOptions {
  /** Largest body accepted, in bytes (BIO_QUEUE_URL_MAX_BYTES). */
  maxBytes: number;
  /** Let the URL reach loopback, private and link-local addresses (BIO_QUEUE_ALLOW_PRIVATE_URLS). */
  allowPrivate: boolean;
  /** Longest wait, in ms, for the connection, the response or the next bytes of the body. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface FetchOptions extends Omit<DownloadOptions, 'allowPrivate'> {
  /** Whether the socket may connect to this IP address. */
  isAllowedAddress(ip: string): boolean;
}

type AddressRule = (ip: string) => boolean;

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const RETRYABLE_STATUSES = new Set([408, 429]);
const PRIVATE_HINT =
  'a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)';
const LIMIT_HINT = 'download limit (BIO_QUEUE_URL_MAX_BYTES)';

// The address rule for a config flag: everything, or the public internet only.
export function addressPolicy(allowPrivate: boolean): AddressRule {
  return allowPrivate ? () => true : isPublicAddress;
}

// Downloads url to destPath; on any failure the partial file is removed.
export async function downloadUrl(field: string, url: string, destPath: string, options: DownloadOptions): Promise<{ bytes: number }> {
  const { allowPrivate, ...rest } = options;
  return fetchToFile(field, url, destPath, { ...rest, isAllowedAddress: addressPolicy(allowPrivate) });
}

// downloadUrl with the address rule spelled out, so a test can stand a loopback server in for a
// public host and still watch a redirect to a private address be refused.
export async function fetchToFile(field: string, url: string, destPath: string, options: FetchOptions): Promise<{ bytes: number }> {
  const state = { stalled: false };
  let target = parseFetchableUrl(field, url, options.isAllowedAddress);
  try {
    for (let redirects = 0; ; redirects++) {
      const res = await openResponse(field, target, options, state);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        res.destroy();
        if (redirects === MAX_REDIRECTS) throw inputError(field, `${q(url)} redirected more than ${MAX_REDIRECTS} times`);
        target = parseFetchableUrl(field, resolveLocation(field, target, location), options.isAllowedAddress, target);
        continue;
      }
      if (status < 200 || status > 299) {
        res.destroy();
        const reason = `${q(target.href)} answered HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd();
        if (status >= 500 || RETRYABLE_STATUSES.has(status)) throw new BioQueueError('infrastructure', `${field}: ${reason}`, { field });
        throw inputError(field, reason);
      }
      return await saveBody(field, target, res, destPath, options.maxBytes);
    }
  } catch (err) {
    await fsp.rm(destPath, { force: true });
    throw downloadError(field, target, err, options, state);
  }
}

// Parses and checks one URL (the input, or a redirect's target): scheme, credentials, and the
// host when it is an IP literal (Node connects to those without asking our lookup).
export function parseFetchableUrl(field: string, value: string, isAllowedAddress: AddressRule, redirectedFrom?: URL): URL {
  const subject = redirectedFrom ? `${q(redirectedFrom.href)} redirects to ${q(value)}` : q(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw inputError(field, `${subject} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw inputError(field, `${subject}: only http:// and https:// URLs are accepted`);
  }
  if (url.username !== '' || url.password !== '') {
    const at = redirectedFrom ? `${q(redirectedFrom.href)} redirects to a URL` : 'the URL';
    throw inputError(field, `${at} carries a user name or password, which is not accepted`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) !== 0 && !isAllowedAddress(host)) {
    throw inputError(field, `${subject}${redirectedFrom ? ', which' : ''} points to ${host}, ${PRIVATE_HINT}`);
  }
  return url;
}

// A redirect's Location, made absolute against the URL that sent it.
function resolveLocation(field: string, from: URL, location: string): string {
  try {
    return new URL(location, from).href;
  } catch {
    throw inputError(field, `${q(from.href)} redirects to ${q(location)}, which is not a valid URL`);
  }
}

// Sends one GET on a fresh connection (no agent: a pooled socket would skip our lookup).
function openResponse(field: string, url: URL, options: FetchOptions, state: { stalled: boolean }): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      agent: false,
      lookup: checkedLookup(field, url, options.isAllowedAddress),
      headers: { 'user-agent': 'bio-mcp-queue', accept: '*/*' },
      timeout: options.timeoutMs,
      signal: options.signal,
    });
    req.once('timeout', () => {
      state.stalled = true;
      req.destroy();
    });
    req.once('error', reject);
    req.once('response', resolve);
    req.end();
  });
}

// A dns.lookup that refuses the host if ANY of its addresses is not allowed, and otherwise
// answers with those same addresses, so the socket connects to what was checked. Job
// notifications (src/jobs/notify-post.ts) connect through it too.
export function checkedLookup(field: string, url: URL, isAllowedAddress: AddressRule): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.filter((a) => !isAllowedAddress(a.address)).map((a) => a.address);
      if (refused.length > 0) {
        const error = inputError(field, `${q(url.href)}: ${hostname} resolves to ${refused.join(', ')}, ${PRIVATE_HINT}`);
        return callback(error, '');
      }
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
      const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
      if (options.all) return callback(null, usable);
      const first = usable[0];
      if (!first) return callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      return callback(null, first.address, first.family);
    });
  };
}

// Streams the body to disk through a byte counter; the declared length is checked first.
async function saveBody(field: string, url: URL, res: http.IncomingMessage, destPath: string, maxBytes: number): Promise<{ bytes: number }> {
  const declared = Number(res.headers['content-length']);
  if (res.headers['content-length'] !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw inputError(field, `${q(url.href)} is ${declared} bytes, more than the ${maxBytes}-byte ${LIMIT_HINT}`);
  }
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(inputError(field, `${q(url.href)} sent more than the ${maxBytes}-byte ${LIMIT_HINT}`));
      else done(null, chunk);
    },
  });
  const file = await fsp.open(destPath, 'w');
  try {
    await pipeline(res, counter, file.createWriteStream());
  } finally {
    await file.close().catch(() => undefined); // the stream has closed it already when the pipeline ended
  }
  return { bytes };
}

// Sorts a failure into the caller's mistake (input_invalid) or a retryable network problem.
function downloadError(field: string, url: URL, err: unknown, options: FetchOptions, state: { stalled: boolean }): BioQueueError {
  if (err instanceof BioQueueError) return err;
  const shown = q(url.href);
  if (options.signal?.aborted) return new BioQueueError('cancelled', `${field}: download of ${shown} was cancelled`, { field });
  if (state.stalled) {
    return new BioQueueError('infrastructure', `${field}: download of ${shown} stalled: nothing received for ${options.timeoutMs} ms`, { field });
  }
  const code = errorCode(err) ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOTFOUND') return inputError(field, `${shown}: host ${url.hostname} was not found`);
  if (/^(CERT_|ERR_TLS_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/.test(code)) {
    return inputError(field, `${shown}: the TLS certificate of ${url.hostname} is not valid (${message})`);
  }
  const detail = code !== '' && !message.includes(code) ? `${message} (${code})` : message;
  return new BioQueueError('infrastructure', `${field}: download of ${shown} failed: ${detail}`, { field }, { cause: err });
}

// A URL or value in double quotes, as every message shows it.
function q(value: string): string {
  return JSON.stringify(value);
}
