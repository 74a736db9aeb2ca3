// The users: one client per API key, each with a few lanes; a lane submits one job, polls it to
// its end, and for a completed job downloads every file through its signed link and checks it
// (the sha256 the result states, and the bytes the tool gives by hand). Each submission ends
// with one outcome, which the report counts.
import type { JobResult, JobStatus } from '../../src/jobs/job-model.js';
import { sha256, type Oracle } from './oracle.js';
import { DeadlineError, type RestClient } from './rest-client.js';
import type { PlannedSubmission } from './workload.js';

export type Outcome =
  | { kind: 'completed'; wrong: string | undefined }
  | { kind: 'failed' | 'cancelled'; reason: string }
  /** The server answered 404 for an acknowledged job, again and again. */
  | { kind: 'unknown' }
  /** Still queued or running when the deadline came. */
  | { kind: 'unfinished'; lastStatus: string }
  | { kind: 'unacknowledged'; reason: string }
  | { kind: 'rejected'; reason: string };

export interface SubmissionRecord {
  submission: PlannedSubmission;
  /** False when the deadline came before this submission was ever sent. */
  sent: boolean;
  jobId: string | undefined;
  submitAttempts: number;
  outcome: Outcome | undefined;
}

export interface ClientRun {
  records: SubmissionRecord[];
  /** Submissions that have reached their outcome: the clock of the fault schedule. */
  finished(): number;
  done: Promise<void>;
}

export interface ClientOptions {
  plan: readonly PlannedSubmission[];
  /** owner → its API key and client. */
  users: ReadonlyMap<string, { key: string; client: RestClient }>;
  lanesPerKey: number;
  oracle: Oracle;
  deadline: number;
  /** Resolves when submission `index` may start: the clients must not outrun the faults. */
  mayStart(index: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const NOT_FOUND_LIMIT = 5;

async function followJob(record: SubmissionRecord, key: string, client: RestClient, lane: number, oracle: Oracle): Promise<Outcome> {
  const jobId = record.jobId!;
  let notFound = 0;
  let delay = 250;
  let status: JobStatus | undefined;
  for (;;) {
    const answer = await client.request(key, 'GET', `/jobs/${jobId}/status`, undefined, {}, lane);
    if (answer.status === 404) {
      notFound += 1;
      if (notFound >= NOT_FOUND_LIMIT) return { kind: 'unknown' };
      await sleep(500);
      continue;
    }
    if (answer.status !== 200) return { kind: 'failed', reason: `GET status answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}` };
    notFound = 0;
    status = answer.body as JobStatus;
    if (TERMINAL.has(status.status)) break;
    await sleep(delay);
    delay = Math.min(600, delay * 1.4);
  }
  if (status.status !== 'completed') {
    const reason = status.error ? `${status.error.code}: ${status.error.message}` : 'no error given';
    return { kind: status.status === 'cancelled' ? 'cancelled' : 'failed', reason };
  }
  return { kind: 'completed', wrong: await fetchAndCheck(record, key, client, lane, oracle) };
}

// The result and its files; a link whose server died meanwhile is fetched again through another.
async function fetchAndCheck(record: SubmissionRecord, key: string, client: RestClient, lane: number, oracle: Oracle): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    const answer = await client.request(key, 'GET', `/jobs/${record.jobId}/result`, undefined, {}, lane + attempt);
    if (answer.status !== 200) return `GET result answered ${answer.status}`;
    const result = answer.body as JobResult;
    if (result.status !== 'completed') return `the result says ${result.status} after the status said completed`;
    const files = new Map<string, Buffer>();
    let broken: string | undefined;
    for (const file of result.files) {
      const res = await fetch(file.url, { signal: AbortSignal.timeout(20_000) }).catch((err: unknown) => err as Error);
      if (res instanceof Error || res.status >= 500) {
        broken = res instanceof Error ? res.message : `${res.status}`;
        break;
      }
      if (res.status !== 200) return `download of ${file.name} answered ${res.status}`;
      const data = Buffer.from(await res.arrayBuffer());
      if (data.length !== file.size_bytes || sha256(data) !== file.sha256) return `${file.name}: ${data.length} bytes with sha256 ${sha256(data).slice(0, 12)}, the result states ${file.size_bytes} and ${file.sha256.slice(0, 12)}`;
      files.set(file.name, data);
    }
    if (broken === undefined) return oracle.check(record.submission, files);
    client.retries.connection += 1;
    await sleep(Math.min(2000, 200 * (attempt + 1)));
  }
}

async function runOne(record: SubmissionRecord, key: string, client: RestClient, lane: number, oracle: Oracle): Promise<Outcome> {
  const s = record.submission;
  try {
    const submitted = await client.submit(key, s.jobType, s.parameters, s.marker, lane);
    if ('rejected' in submitted) return { kind: 'rejected', reason: submitted.rejected };
    record.jobId = submitted.jobId;
    record.submitAttempts = submitted.attempts;
  } catch (err) {
    if (err instanceof DeadlineError) return { kind: 'unacknowledged', reason: err.message };
    throw err;
  }
  try {
    return await followJob(record, key, client, lane, oracle);
  } catch (err) {
    if (err instanceof DeadlineError) return { kind: 'unfinished', lastStatus: err.message };
    throw err;
  }
}

export function runClients(options: ClientOptions): ClientRun {
  const records: SubmissionRecord[] = options.plan.map((submission) => ({ submission, sent: false, jobId: undefined, submitAttempts: 0, outcome: undefined }));
  let finished = 0;
  const lanes: Promise<void>[] = [];
  for (const [owner, { key, client }] of options.users) {
    const mine = records.filter((r) => r.submission.owner === owner);
    let next = 0;
    for (let lane = 0; lane < options.lanesPerKey; lane++) {
      lanes.push(
        (async () => {
          for (;;) {
            const record = mine[next++];
            if (!record) return;
            await options.mayStart(record.submission.index);
            record.sent = Date.now() <= options.deadline;
            record.outcome = await runOne(record, key, client, lane, options.oracle);
            finished += 1;
          }
        })(),
      );
    }
  }
  return { records, finished: () => finished, done: Promise.all(lanes).then(() => undefined) };
}
