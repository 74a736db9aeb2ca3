// What the terminal commands ask of the queue, whichever way they reach it: a `serve` over its
// REST API (rest-job-client.ts) or the local Redis through JobService itself, as the stdio
// server does (local-job-client.ts). The commands know nothing of which.
import type { JobPage, JobResult, JobStatus, JobStatusName, QueueStats, Submission } from '../../jobs/job-model.js';

export interface ListOptions {
  status?: JobStatusName | undefined;
  tool?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface JobClient {
  /** Where the requests go, for messages: the server's URL, or the local Redis. */
  readonly where: string;
  submit(tool: string, params: Record<string, unknown>, options: { priority: number; idempotencyKey: string | undefined }): Promise<Submission>;
  status(jobId: string): Promise<JobStatus>;
  result(jobId: string): Promise<JobResult>;
  cancel(jobId: string): Promise<JobStatus>;
  list(options: ListOptions): Promise<JobPage>;
  stats(): Promise<QueueStats[]>;
  /** Calls onChange with each new status until the job ends (returning its last status) or signal aborts. */
  follow(jobId: string, onChange: (status: JobStatus) => void, signal: AbortSignal): Promise<JobStatus>;
  /**
   * A file on this machine as an input the queue can read: its absolute path for the local
   * Redis (inside BIO_QUEUE_INPUT_ROOTS, as for stdio), an upload:// reference for a server.
   */
  localInput(file: string, onUpload: (file: string, bytes: number) => void): Promise<string>;
  /** Makes sure a worker will run jobs of this queue while this process waits (local Redis only). */
  ensureWorker(queue: string): Promise<'present' | 'started' | 'none'>;
  close(): Promise<void>;
}
