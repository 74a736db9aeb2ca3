// A REST client that rides out the faults the way a careful lab script would: a refused or
// reset connection, a 5xx or a 429 is retried (on another `serve` when there are several) until
// the run's deadline; any other answer is returned as it is. Submissions carry an
// idempotency_key, so a retry after a lost answer can be recognised by the server; a server that
// does not know the field yet (400 naming it) is remembered, and submissions go on without it.
export interface Answer {
  status: number;
  body: unknown;
}

export interface RetryCounts {
  connection: number;
  serverError: number;
  rateLimited: number;
}

export class DeadlineError extends Error {
  constructor(what: string, last: string) {
    super(`${what}: the run's deadline passed (last: ${last})`);
  }
}

export type IdempotencySupport = 'unknown' | 'supported' | 'unsupported';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Submitted {
  jobId: string;
  /** Requests it took, retries included. */
  attempts: number;
}

export class RestClient {
  readonly retries: RetryCounts = { connection: 0, serverError: 0, rateLimited: 0 };
  idempotency: IdempotencySupport = 'unknown';

  constructor(
    private readonly bases: () => readonly string[],
    private readonly deadline: number,
  ) {}

  /** One request, retried across the servers while the failure is the infrastructure's. */
  async request(key: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}, lane = 0): Promise<Answer> {
    let delay = 100;
    let last = 'no attempt';
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > this.deadline) throw new DeadlineError(`${method} ${route}`, last);
      const bases = this.bases();
      const base = bases[(lane + attempt) % bases.length]!;
      try {
        const res = await fetch(`${base}${route}`, {
          method,
          headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(20_000),
        });
        const text = await res.text();
        if (res.status >= 500 || res.status === 429) {
          if (res.status === 429) this.retries.rateLimited += 1;
          else this.retries.serverError += 1;
          last = `${res.status} ${text.slice(0, 200)}`;
        } else {
          return { status: res.status, body: text === '' ? undefined : safeJson(text) };
        }
      } catch (err) {
        this.retries.connection += 1;
        last = describeFetchError(err);
      }
      await sleep(delay);
      delay = Math.min(2000, delay * 1.5);
    }
  }

  /** POST /jobs/submit until the server acknowledges it with a job id. */
  async submit(key: string, jobType: string, parameters: Record<string, unknown>, idempotencyKey: string, lane: number): Promise<Submitted | { rejected: string }> {
    let attempts = 0;
    for (;;) {
      const withKey = this.idempotency !== 'unsupported';
      const body = { job_type: jobType, parameters, priority: 5, ...(withKey ? { idempotency_key: idempotencyKey } : {}) };
      attempts += 1;
      const answer = await this.request(key, 'POST', '/jobs/submit', body, withKey ? { 'Idempotency-Key': idempotencyKey } : {}, lane);
      const got = answer.body as { job_id?: string; field?: string; message?: string } | undefined;
      if ((answer.status === 202 || answer.status === 200) && typeof got?.job_id === 'string') {
        if (withKey) this.idempotency = 'supported';
        return { jobId: got.job_id, attempts };
      }
      if (answer.status === 400 && withKey && got?.field === 'idempotency_key') {
        this.idempotency = 'unsupported';
        continue;
      }
      return { rejected: `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}` };
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

// fetch() says "fetch failed"; the reason (ECONNREFUSED, a reset socket) is in its cause.
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}
