// The REST API's requests, and the answers only HTTP gives (uploads, errors). Requests are parsed
// here at the edge; every schema here and in job-model.ts also feeds /openapi.json, so the
// document cannot describe something the routes do not do.
import { z } from 'zod';
import { inputError } from '../errors.js';
import { IdempotencyKey, JOB_STATUSES, NotifyUrl, Priority } from '../jobs/job-model.js';

// zod's records drop a "__proto__" key (safely: it never becomes a prototype), so the tool's
// strict schema would never see it and the submission would pass without it; it is refused here,
// before the record, like any other key no tool takes.
const ToolParameters = z.preprocess((value, ctx) => {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
    ctx.issues.push({ code: 'custom', path: ['__proto__'], message: 'not a parameter of any tool', input: value });
  }
  return value;
}, z.record(z.string(), z.unknown()).describe('The tool\'s parameters, as its MCP tool takes them.'));

export const SubmitRequestSchema = z
  .object({
    job_type: z.string().min(1, { message: 'must not be empty' }).max(64).describe('The tool to run, e.g. "blastn" (the MCP tool name without "_async").'),
    parameters: ToolParameters,
    priority: Priority,
    idempotency_key: IdempotencyKey,
    notify_url: NotifyUrl,
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

/** The answer to a PUT of an upload link. */
export const UploadedSchema = z.object({ size_bytes: z.number() });

export const ErrorBodySchema = z.object({
  code: z.string().describe('Stable: input_invalid, unauthorized, forbidden, not_found, payload_too_large, rate_limited, quota_exceeded, conflict, infrastructure, internal_error.'),
  message: z.string().describe('One line that names the field or thing at fault.'),
  field: z.string().optional(),
});

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
