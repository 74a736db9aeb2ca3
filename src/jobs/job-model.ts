// The public job model. Schemas first, types inferred: the MCP output schemas, the REST
// responses and the worker's return value all come from here, so they cannot drift apart.
import { z } from 'zod';
import { InputRefSchema } from '../inputs/input-ref-schema.js';
import { StoredFileSchema } from '../storage/stored-file.js';
import { HeartbeatSchema } from './worker-registry.js';

// Made by storage, carried by jobs: re-exported so the job model reads as one whole.
export { StoredFileSchema, type StoredFile } from '../storage/stored-file.js';
export { UploadTicketSchema, type UploadTicket } from '../storage/upload-ticket.js';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export const JobStatusName = z.enum(JOB_STATUSES);
export type JobStatusName = z.infer<typeof JobStatusName>;

const TERMINAL: ReadonlySet<JobStatusName> = new Set(['completed', 'failed', 'cancelled']);

/** Whether a job in this status has ended (and will not change again). */
export function isTerminal(status: JobStatusName): boolean {
  return TERMINAL.has(status);
}

export const Priority = z
  .number()
  .int({ message: 'must be a whole number' })
  .min(1, { message: 'must be from 1 to 10' })
  .max(10, { message: 'must be from 1 to 10' })
  .default(5)
  .describe('1-10, higher runs first (default 5).');

/** Optional on every submission: sending the same key again gives back the job it made (src/jobs/idempotency.ts). */
export const IdempotencyKey = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(255, { message: 'must be at most 255 characters' })
  .regex(/^[A-Za-z0-9._:+/=-]+$/, { message: 'expected letters, digits and . _ : + / = - only (a UUID works)' })
  .optional()
  .describe(
    'Optional. A unique key for this submission (e.g. a UUID): sending it again with the same parameters returns the same job instead of a new one, for as long as the job is kept; with other parameters it is refused.',
  );

/** Optional on every submission: where the job's end is announced (src/jobs/notify-url.ts checks the address). */
export const NotifyUrl = z
  .string()
  .max(2048, { message: 'must be at most 2048 characters' })
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), { message: 'expected an http:// or https:// URL' })
  .optional()
  .describe(
    'Optional. An http(s) URL that gets a signed POST (JSON: job id, tool, status, error, links) when the job completes, fails or is cancelled; retried with backoff until it answers 2xx. Private and local addresses are refused.',
  );

// How these schemas read as JSON Schema matters to MCP clients, some of which map tool schemas
// onto narrower dialects (the MCP Inspector's --strict check names them): zod writes a nullable
// of a bare type as a type array (["string","null"]), and a value of any kind as {}, neither of
// which travels well. A nullable's value therefore carries a description (zod then writes anyOf
// branches of one type each), and a free-form object says additionalProperties: true.

/** An object whose keys and values the tool decides (summaries, parameters). */
export const FreeFormObject = z.record(z.string(), z.unknown()).meta({ additionalProperties: true });

const ToolVersion = z.string().describe('The tool\'s version as it reports it; null when it would not say.').nullable();

export const JobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  command: z.array(z.string()).optional(),
  exit_code: z.number().describe('The tool\'s exit code; null when a signal ended it.').nullable().optional(),
  signal: z.string().describe('The signal that ended the tool, e.g. SIGKILL.').nullable().optional(),
  stderr_tail: z.string().optional(),
  hint: z.string().optional(),
});

export const SubmissionSchema = z.object({
  job_id: z.string(),
  status: JobStatusName,
  tool: z.string(),
  queue: z.string(),
  priority: z.number(),
});
export type Submission = z.infer<typeof SubmissionSchema>;

export const ProgressSchema = z.object({
  percent: z.number().min(0).max(100),
  message: z.string(),
});
export type Progress = z.infer<typeof ProgressSchema>;

/** Where one step of a pipeline stands, as the pipeline's status shows it. */
export const PipelineStepStatusSchema = z.object({
  step: z.number().describe('Counting from 0, as step:<n>/<file> references do.'),
  tool: z.string(),
  job_id: z.string().describe('The step\'s own job; get_job_status and get_job_result work with it too.'),
  status: JobStatusName,
  percent: z.number(),
});
export type PipelineStepStatus = z.infer<typeof PipelineStepStatusSchema>;

export const StatusSchema = z.object({
  job_id: z.string(),
  tool: z.string(),
  status: JobStatusName,
  progress: ProgressSchema,
  eta_seconds: z.number().describe('Seconds until the job is expected to finish; null while unknown.').nullable(),
  queue_position: z.number().describe('Jobs ahead of this one in its queue; null unless queued.').nullable(),
  submitted_at: z.string(),
  started_at: z.string().describe('When a worker started it (ISO 8601); null while queued.').nullable(),
  finished_at: z.string().describe('When it ended (ISO 8601); null while it has not.').nullable(),
  attempts: z.number(),
  error: JobErrorSchema.describe('Why it failed; null unless failed or cancelled.').nullable(),
  steps: z.array(PipelineStepStatusSchema).optional().describe('Pipelines: each step, in the order they run. Split-query searches: each part, in query order.'),
});
export type JobStatus = z.infer<typeof StatusSchema>;

/** One command of a run as it was executed: a process, or a pipeline of them. */
export const RunStepSchema = z.object({
  label: z.string(),
  /** The argv of each process; each one's stdout fed the next one's stdin. */
  pipeline: z.array(z.array(z.string())),
  /** The file (in the work dir) the last process's stdout went to, if any. */
  stdout: z.string().describe('The file the last process\'s stdout went to; null when discarded.').nullable(),
});
export type RunStep = z.infer<typeof RunStepSchema>;

/** A cached reference index a job used: built by this job, or reused. */
export const IndexUseSchema = z.object({
  input: z.string().describe('The input parameter it indexes.'),
  kind: z.string(),
  variant: z.string().describe('The index\'s variant, e.g. minimap2\'s preset; null for kinds that have none.').nullable(),
  sha256: z.string().describe('sha256 of the reference content the index was built from.'),
  reused: z.boolean().describe('true when an earlier job had built it.'),
  build_seconds: z.number().describe('How long this job spent building it; null when reused.').nullable(),
});
export type IndexUse = z.infer<typeof IndexUseSchema>;

export const ResultFileSchema = z.object({
  name: z.string(),
  size_bytes: z.number(),
  sha256: z.string(),
  url: z.string(),
  expires_at: z.string().describe('When the url stops working (ISO 8601); null when it does not expire.').nullable(),
  media_type: z.string(),
  resource_uri: z.string(),
  intermediate: z.boolean().optional().describe('Pipelines only: made by a step before the last, kept for reference.'),
});
export type ResultFile = z.infer<typeof ResultFileSchema>;

/** One step of a completed pipeline, in its result: what ran and what it made. */
export const PipelineStepResultSchema = z.object({
  step: z.number(),
  tool: z.string(),
  job_id: z.string(),
  summary: FreeFormObject.describe('The step\'s tool-specific summary.'),
  command: z.array(z.string()),
  steps: z.array(RunStepSchema),
  tool_version: ToolVersion,
  runtime_seconds: z.number(),
  /** Names of this step's files among the pipeline's files. */
  files: z.array(z.string()),
});
export type PipelineStepResult = z.infer<typeof PipelineStepResultSchema>;

export const ResultSchema = z.object({
  job_id: z.string(),
  tool: z.string(),
  status: JobStatusName,
  summary: FreeFormObject.describe('The tool-specific summary, e.g. for BLAST the hit count and top hits.').nullable(),
  files: z.array(ResultFileSchema),
  command: z.array(z.string()).describe('The main command, as argv; null until the job completed.').nullable(),
  steps: z.array(RunStepSchema).describe('Every command that ran, in order, with their pipes: enough to repeat the run by hand.'),
  indexes: z.array(IndexUseSchema).describe('Cached reference indexes the job used, and whether it built or reused each.'),
  tool_version: ToolVersion,
  exit_code: z.number().describe('The tool\'s exit code; null until the job completed.').nullable(),
  runtime_seconds: z.number().describe('How long the tool ran, in seconds; null until the job completed.').nullable(),
  notes: z.array(z.string()).describe('What happened on the way, e.g. a run again with fewer threads after the tool passed the memory limit.'),
  error: JobErrorSchema.describe('Why it failed; null unless failed or cancelled.').nullable(),
  pipeline_steps: z.array(PipelineStepResultSchema).optional().describe('Pipelines only: every step\'s summary, command, tool version and files.'),
});
export type JobResult = z.infer<typeof ResultSchema>;

/** What a job carries in BullMQ: everything a worker on another machine needs. */
export const JobDataSchema = z.object({
  tool: z.string(),
  params: z.record(z.string(), z.unknown()),
  /** Per input parameter: its reference, or the references of a list parameter in order. */
  inputs: z.record(z.string(), z.union([InputRefSchema, z.array(InputRefSchema)])),
  priority: z.number(),
  owner: z.string(),
  submitted_at: z.string(),
  /** Where the job's end is announced (notify-delivery.ts); only on the job the caller holds, never a step's or part's. */
  notify_url: z.string().optional(),
  /** A pipeline's own job: its steps' jobs, in the order they run (each the child of the next). */
  pipeline: z.object({ steps: z.array(z.object({ tool: z.string(), job_id: z.string(), weight: z.number() })) }).optional(),
  /**
   * A split-query search's own job (worker/split-search.ts): empty until its worker has split the
   * query, then each part's job, in query order, with the letters and records it holds.
   */
  split: z
    .object({
      parts: z.array(z.object({ job_id: z.string(), letters: z.number(), records: z.number() })).optional(),
      /** The job's starts (BullMQ's attemptsStarted) when its parts were queued: the merge's attempts count from there. */
      starts: z.number().optional(),
    })
    .optional(),
  /**
   * A step of a pipeline, or a part of a split-query search (step: the part's place, from 0): its
   * parent job. part: a split search's part, whose output the parent merges and summarises whole.
   */
  parent: z.object({ job_id: z.string(), step: z.number(), part: z.boolean().optional() }).optional(),
});
export type JobData = z.infer<typeof JobDataSchema>;

/** The worker's return value for a completed job. */
export const JobReturnSchema = z.object({
  summary: FreeFormObject,
  files: z.array(StoredFileSchema),
  /** The main command: the first process of the tool's main binary (steps that prepare for it may run first). */
  command: z.array(z.string()),
  /** Every command that ran, in order. */
  steps: z.array(RunStepSchema).optional(),
  indexes: z.array(IndexUseSchema).optional(),
  tool_version: ToolVersion,
  exit_code: z.number(),
  runtime_seconds: z.number(),
  started_at: z.string(),
  finished_at: z.string(),
  /** What happened on the way that a person should know (a run again with fewer threads after the memory limit). */
  notes: z.array(z.string()).optional(),
  pipeline_steps: z.array(PipelineStepResultSchema).optional(),
});
export type JobReturn = z.infer<typeof JobReturnSchema>;

/** What the worker reports as progress while a job runs. */
export const ProgressReportSchema = z.object({
  percent: z.number(),
  message: z.string(),
  stage: z.enum(['staging', 'running', 'collecting']),
  done: z.number().optional(),
  total: z.number().optional(),
  /** When the tool itself started, for the ETA. */
  tool_started_at: z.string().optional(),
});
export type ProgressReport = z.infer<typeof ProgressReportSchema>;

// Answers of list, queue statistics, workers, health and uploads: MCP output schemas, REST
// responses and /openapi.json all use these, and JobService's types are inferred from them.
export const JobPageSchema = z.object({ jobs: z.array(StatusSchema), next_cursor: z.string().describe('Pass as cursor for the next page; null on the last.').nullable() });
export type JobPage = z.infer<typeof JobPageSchema>;

export const QueueStatsSchema = z.object({
  queue: z.string(),
  counts: z.object({ queued: z.number(), running: z.number(), completed: z.number(), failed: z.number(), delayed: z.number() }),
  workers: z.number(),
});

export type QueueStats = z.infer<typeof QueueStatsSchema>;

export const QueueStatsListSchema = z.object({ queues: z.array(QueueStatsSchema) });

export const WorkerInfoSchema = HeartbeatSchema.extend({
  uptime_seconds: z.number().describe('Seconds since the worker started.'),
  connected_queues: z.array(z.string()).describe('Queues on which Redis sees this worker\'s BullMQ connection now (CLIENT LIST); one missing from queues is a connection lost.'),
});

export type WorkerInfo = z.infer<typeof WorkerInfoSchema>;

export const WorkerListSchema = z.object({ workers: z.array(WorkerInfoSchema).describe('Every worker process whose heartbeat is live, wherever it runs.') });

export const WorkerShutdownSchema = z.object({
  worker_id: z.string(),
  state: z.literal('draining').describe('It takes no new jobs; running ones get BIO_QUEUE_DRAIN_TIMEOUT_SECONDS to finish, then go back to the queue, and the worker process exits 0.'),
});
export type WorkerShutdown = z.infer<typeof WorkerShutdownSchema>;

export const HealthSchema = z.object({
  ok: z.boolean(),
  redis: z.object({ ok: z.boolean(), error: z.string().optional() }),
  storage: z.object({ ok: z.boolean(), backend: z.enum(['local', 's3']), error: z.string().optional() }),
  workers: z.number().describe('Live worker processes.'),
});
export type HealthReport = z.infer<typeof HealthSchema>;
