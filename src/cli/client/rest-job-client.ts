// The terminal commands against a `serve`, over the REST API its openapi.json describes, with
// the API key as a Bearer token. The server's error body ({code, message, field}) becomes our
// error with that code, so the exit code is what error-mapping.ts gives it; a server that
// cannot be reached is an infrastructure error (exit 4), naming the URL.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BioQueueError, ERROR_CODES, type ErrorCode } from '../../errors.js';
import type { JobPage, JobResult, JobStatus, QueueStats, Submission, UploadTicket } from '../../jobs/job-model.js';
import type { JobClient, ListOptions } from './job-client.js';
import { readServerSentEvents } from './server-sent-events.js';

const ENDED = new Set(['completed', 'failed', 'cancelled']);
// Before a cut event stream is opened again (a proxy's timeout, a server restart).
const RECONNECT_MS = 1_000;

export function restJobClient(url: string, apiKey: string | undefined): JobClient {
  const base = url.replace(/\/+$/, '');

  async function send(method: string, path: string, options: { body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          Accept: options.accept ?? 'application/json',
          ...(apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` }),
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw unreachable(base, err);
    }
    if (!response.ok) throw await refusal(base, method, path, response);
    return response;
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await send(method, path, { body });
    return (await response.json()) as T;
  }

  const job = (jobId: string) => `/jobs/${encodeURIComponent(jobId)}`;

  return {
    where: base,
    submit: (tool, params, { priority, idempotencyKey }) =>
      json<Submission>('POST', '/jobs/submit', { job_type: tool, parameters: params, priority, ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey }) }),
    status: (jobId) => json<JobStatus>('GET', `${job(jobId)}/status`),
    result: (jobId) => json<JobResult>('GET', `${job(jobId)}/result`),
    cancel: (jobId) => json<JobStatus>('DELETE', job(jobId)),
    list: (options: ListOptions) => {
      const query = new URLSearchParams({ limit: String(options.limit) });
      if (options.status) query.set('status', options.status);
      if (options.tool) query.set('tool', options.tool);
      if (options.cursor) query.set('cursor', options.cursor);
      return json<JobPage>('GET', `/jobs?${query}`);
    },
    stats: async () => (await json<{ queues: QueueStats[] }>('GET', '/queues/stats')).queues,

    // GET /jobs/{id}/events pushes each change; should the stream be cut before the job ends,
    // the status is read and the stream opened again.
    async follow(jobId, onChange, signal) {
      let last: JobStatus | undefined;
      for (;;) {
        try {
          const response = await send('GET', `${job(jobId)}/events`, { signal, accept: 'text/event-stream' });
          for await (const event of readServerSentEvents(response.body!, signal)) {
            if (event.event === 'status') {
              last = JSON.parse(event.data) as JobStatus;
              onChange(last);
            } else if (event.event === 'error') {
              const body = JSON.parse(event.data) as { code?: string; message?: string };
              throw fromBody(base, 500, body);
            }
          }
        } catch (err) {
          if (signal.aborted) break;
          if (err instanceof BioQueueError) throw err;
          // The connection dropped mid-stream: read the status below and open it again.
        }
        if (signal.aborted || (last && ENDED.has(last.status))) break;
        last = await json<JobStatus>('GET', `${job(jobId)}/status`);
        onChange(last);
        if (ENDED.has(last.status)) break;
        await sleep(RECONNECT_MS, undefined, { signal }).catch(() => undefined);
      }
      return last ?? json<JobStatus>('GET', `${job(jobId)}/status`);
    },

    // POST /uploads gives a signed link; the file goes to it as a PUT body, streamed.
    async localInput(file, onUpload) {
      const ticket = await json<UploadTicket>('POST', '/uploads');
      const { size } = await fs.promises.stat(file);
      onUpload(file, size);
      let response: Response;
      try {
        response = await fetch(ticket.url, {
          method: 'PUT',
          headers: { 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' },
          body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
          duplex: 'half',
        } as RequestInit);
      } catch (err) {
        throw unreachable(new URL(ticket.url).origin, err);
      }
      if (!response.ok) throw await refusal(base, 'PUT', 'the upload link', response);
      return ticket.upload_ref;
    },
    // A server's workers are its own business.
    ensureWorker: async () => 'none',
    close: async () => undefined,
  };
}

function unreachable(base: string, err: unknown): BioQueueError {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new BioQueueError('infrastructure', `cannot reach the server at ${base}: ${reason}`, {}, { cause: err });
}

async function refusal(base: string, method: string, path: string, response: Response): Promise<BioQueueError> {
  const text = await response.text().catch(() => '');
  let body: { code?: string; message?: string; field?: string } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (body && typeof body.message === 'string') return fromBody(base, response.status, body);
  // Not our server's answer (a proxy, another service at that URL).
  const what = `${base} answered ${method} ${path} with HTTP ${response.status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`;
  return new BioQueueError(response.status >= 500 ? 'infrastructure' : 'input_invalid', `${what} (is --url a bio-mcp-queue serve?)`);
}

function fromBody(base: string, status: number, body: { code?: string; message?: string; field?: string }): BioQueueError {
  const message = body.message ?? `HTTP ${status}`;
  if (ERROR_CODES.includes(body.code as ErrorCode)) return new BioQueueError(body.code as ErrorCode, message, body.field ? { field: body.field } : {});
  // internal_error and the like: the server's fault, not this command's.
  return new BioQueueError('infrastructure', `the server at ${base} failed (HTTP ${status}): ${message}`);
}
