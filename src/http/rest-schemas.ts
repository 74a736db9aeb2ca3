// The REST API's requests and the responses job-model.ts has no schema for. Requests are parsed
// here at the edge; every schema here and in job-model.ts also feeds /openapi.json, so the
// document cannot describe something the routes do not do.
import { z } from 'zod';
import { inputError } from '../errors.js';
import { JOB_STATUSES, Priority, StatusSchema } from '../jobs/job-model.js';
import type { HealthReport, QueueStats, WorkerInfo } from '../jobs/job-service.js';
import type { JobPage } from '../jobs/list-jobs.js';

export const SubmitRequestSchema = z
  .object({
    job_type: z.string().min(1, { message: 'must not be empty' }).max(64).describe('The tool to run, e.g. "blastn" (the MCP tool name without "_async").'),
    parameters: z.record(z.string(), z.unknown()).describe('The tool\'s parameters, as its MCP tool takes them.'),
    priority: Priority,
  })
  .strict();

export const ListQuerySchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional().describe('Only jobs in this state.'),
    tool: z.string().max(64).optional().describe('Only jobs of this tool (e.g. "blastn").'),
    limit: z.coerce
      .number({ message: 'expected a whole number from 1 to 100' })
      .int({ message: 'expected a whole number from 1 to 100' })
      .min(1, { message: 'expected a whole number from 1 to 100' })
      .max(100, { message: 'expected a whole number from 1 to 100' })
      .default(20)
      .describe('Jobs per page, 1-100 (default 20).'),
    cursor: z.string().max(200).optional().describe('next_cursor from the previous page.'),
  })
  .strict();

export const JobPageSchema = z.object({ jobs: z.array(StatusSchema), next_cursor: z.string().nullable() });

export const QueueStatsSchema = z.object({
  queue: z.string(),
  counts: z.object({ queued: z.number(), running: z.number(), completed: z.number(), failed: z.number(), delayed: z.number() }),
  workers: z.number(),
});

export const QueueStatsListSchema = z.object({ queues: z.array(QueueStatsSchema) });

export const WorkerInfoSchema = z.object({
  name: z.string().describe('"<host>.<pid>" of the worker process.'),
  queue: z.string(),
  address: z.string(),
  connected_seconds: z.number(),
  idle_seconds: z.number(),
});

export const WorkerListSchema = z.object({ workers: z.array(WorkerInfoSchema) });

/** The answer to a PUT of an upload link. */
export const UploadedSchema = z.object({ size_bytes: z.number() });

export const HealthSchema = z.object({
  ok: z.boolean(),
  redis: z.object({ ok: z.boolean(), error: z.string().optional() }),
  storage: z.object({ ok: z.boolean(), backend: z.enum(['local', 's3']), error: z.string().optional() }),
  workers: z.number().describe('Live worker processes.'),
});

export const ErrorBodySchema = z.object({
  code: z.string().describe('Stable: input_invalid, unauthorized, forbidden, not_found, payload_too_large, rate_limited, infrastructure, internal_error.'),
  message: z.string().describe('One line that names the field or thing at fault.'),
  field: z.string().optional(),
});

// The core's types are interfaces; these lines fail to compile if a schema drifts from them.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.infer<typeof JobPageSchema>, JobPage>,
  Same<z.infer<typeof QueueStatsSchema>, QueueStats>,
  Same<z.infer<typeof WorkerInfoSchema>, WorkerInfo>,
  Same<z.infer<typeof HealthSchema>, HealthReport>,
] = [true, true, true, true];
void sameShapes;

/** Parses a request part once; the first issue becomes a 400 that names its field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query'): z.output<S> {
  if (part === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw inputError('body', 'expected a JSON object, sent with Content-Type: application/json');
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '';
    throw inputError(key, `not a ${part === 'body' ? 'field' : 'query parameter'} of this request${known ? ` (expected: ${known})` : ''}`);
  }
  const field = issue.path.length > 0 ? issue.path.join('.') : part;
  throw inputError(field, issue.message);
}
