// GET /openapi.json: an OpenAPI 3.1 document built from the zod schemas the routes parse and
// answer with (job-model.ts, rest-schemas.ts), so it cannot drift from them.
// A test compares its paths with the routes the app really has.
import { z } from 'zod';
import {
  HealthSchema,
  JobPageSchema,
  QueueStatsListSchema,
  ResultSchema,
  StatusSchema,
  SubmissionSchema,
  UploadTicketSchema,
  WorkerListSchema,
  WorkerShutdownSchema,
} from '../jobs/job-model.js';
import { packageVersion } from '../package-info.js';
import { ErrorBodySchema, ListQuerySchema, SubmitRequestSchema, UploadedSchema } from './rest-schemas.js';

type Json = Record<string, unknown>;

// Response components, referenced by name; nested schemas become $refs where registered.
const COMPONENTS: [string, z.ZodType][] = [
  ['Submission', SubmissionSchema],
  ['JobStatus', StatusSchema],
  ['JobResult', ResultSchema],
  ['JobPage', JobPageSchema],
  ['QueueStatsList', QueueStatsListSchema],
  ['WorkerList', WorkerListSchema],
  ['WorkerShutdown', WorkerShutdownSchema],
  ['UploadTicket', UploadTicketSchema],
  ['Uploaded', UploadedSchema],
  ['Health', HealthSchema],
  ['Error', ErrorBodySchema],
];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const error = (description: string) => json('Error', description);

function componentSchemas(): Json {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENTS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  // Each came out as a standalone JSON Schema document; inside OpenAPI they are plain schemas.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

// Request schemas in their input form: defaults make fields optional for the client.
function inputSchema(schema: z.ZodType): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Json;
  return rest;
}

function queryParameters(schema: z.ZodObject): Json[] {
  const full = inputSchema(schema) as { properties: Record<string, Json>; required?: string[] };
  return Object.entries(full.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: 'query', required: full.required?.includes(name) ?? false, description, schema: rest };
  });
}

const jobId = { name: 'id', in: 'path', required: true, description: 'The job_id from POST /jobs/submit.', schema: { type: 'string' } };
const common = { '401': error('No API key, or not a valid one.') };
const notFound = { '404': error('No such job, or not one of the caller\'s (the two answer alike).') };
const signed = [
  { name: 'key', in: 'path', required: true, schema: { type: 'string' }, description: 'The stored file, as in the signed link.' },
  { name: 'expires', in: 'query', required: true, schema: { type: 'string' } },
  { name: 'sig', in: 'query', required: true, schema: { type: 'string' } },
];
const sse = (description: string) => ({ description, content: { 'text/event-stream': { schema: { type: 'string' } } } });
const jsonRpc = { required: true, content: { 'application/json': { schema: { type: 'object', description: 'A JSON-RPC 2.0 message (or batch) of the Model Context Protocol.' } } } };

export function openApiDocument(serverUrl: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'bio-mcp-queue',
      version: packageVersion(),
      description: 'Bioinformatics tools as queued jobs: the REST API of Bio-MCP Queue, and MCP over Streamable HTTP (/mcp) and legacy SSE (/sse).',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>.' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The scrape token of BIO_QUEUE_METRICS_TOKEN: reads GET /metrics only.' },
      },
      schemas: componentSchemas(),
    },
    paths: {
      '/health': {
        get: {
          summary: 'Redis, storage and the number of live workers',
          security: [],
          responses: { '200': json('Health', 'Redis and storage answer.'), '503': json('Health', 'Redis or storage is down (or the server is still starting).') },
        },
      },
      '/jobs/submit': {
        post: {
          summary: 'Submit a job',
          requestBody: { required: true, content: { 'application/json': { schema: inputSchema(SubmitRequestSchema) } } },
          responses: {
            '202': json('Submission', 'Queued (or, for an idempotency_key sent before, the job that submission made).'),
            '400': error('A field is wrong (or idempotency_key was used for another submission); the message names it.'),
            ...common,
            '403': error('quota_exceeded: the key keeps more bytes in storage than BIO_QUEUE_OWNER_QUOTA_BYTES.'),
            '409': error('Another submission with this idempotency_key is still staging its inputs; send it again shortly.'),
            '413': error('Body larger than BIO_QUEUE_MAX_BODY_BYTES.'),
            '429': error('Too many submissions this minute for this key; see Retry-After.'),
          },
        },
      },
      '/jobs': {
        get: {
          summary: 'The caller\'s jobs (an admin\'s: everyone\'s), newest first',
          parameters: queryParameters(ListQuerySchema),
          responses: { '200': json('JobPage', 'A page of jobs; pass next_cursor as cursor for the next.'), '400': error('A query parameter is wrong.'), ...common },
        },
      },
      '/jobs/{id}/status': {
        get: { summary: 'Status and progress of a job', parameters: [jobId], responses: { '200': json('JobStatus', 'The status.'), ...common, ...notFound } },
      },
      '/jobs/{id}/result': {
        get: {
          summary: 'Summary, files with fresh download links, command and tool version',
          parameters: [jobId],
          responses: { '200': json('JobResult', 'The result (for a job still running: its status, no files).'), ...common, ...notFound },
        },
      },
      '/jobs/{id}': {
        delete: { summary: 'Cancel a job', parameters: [jobId], responses: { '200': json('JobStatus', 'The status after the cancel.'), ...common, ...notFound } },
      },
      '/jobs/{id}/events': {
        get: {
          summary: 'Status changes as server-sent events until the job ends',
          description: 'Events: `status` (a JobStatus as JSON) on every change; `end` once the job has ended; `error` should the stream fail. Comment lines keep the stream alive.',
          parameters: [jobId],
          responses: { '200': sse('The event stream.'), ...common, ...notFound },
        },
      },
      '/queues/stats': {
        get: { summary: 'Jobs per state and workers, per queue', responses: { '200': json('QueueStatsList', 'Counts read from Redis.'), ...common } },
      },
      '/workers': {
        get: { summary: 'Every live worker process: host, queues, concurrency, running jobs, uptime, version', responses: { '200': json('WorkerList', 'The workers, by id.'), ...common } },
      },
      '/workers/{id}/shutdown': {
        post: {
          summary: 'Drain one worker, wherever it runs (admin keys only)',
          description: 'The worker takes no new jobs, lets running ones finish for BIO_QUEUE_DRAIN_TIMEOUT_SECONDS (then hands them back to the queue) and exits 0, as on SIGTERM. A worker embedded in `serve` stops taking jobs and its server keeps running.',
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The worker\'s id from GET /workers.', schema: { type: 'string' } }],
          responses: { '202': json('WorkerShutdown', 'The worker heard the request and is draining.'), ...common, '403': error('Not an admin key.'), '404': error('No live worker with this id.') },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics of the whole lab: jobs per queue and state, run times, failures by code, queue wait, live workers, bytes stored',
          security: [{ apiKey: [] }, { metricsToken: [] }],
          responses: {
            '200': { description: 'The Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...common,
            '403': error('An API key that is not an admin\'s.'),
          },
        },
      },
      '/uploads': {
        post: {
          summary: 'A presigned PUT link for one input file, and the upload:// reference any tool accepts',
          responses: { '201': json('UploadTicket', 'PUT the file to url, then give upload_ref as an input.'), ...common, '403': error('quota_exceeded: the key keeps more bytes in storage than BIO_QUEUE_OWNER_QUOTA_BYTES.') },
        },
      },
      '/files/{key}': {
        get: {
          summary: 'Download a result file (local storage): the signed link is the permission',
          security: [],
          parameters: signed,
          responses: {
            '200': { description: 'The file.', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
            '403': error('The link expired or was altered.'),
            '404': error('The file is gone (retention).'),
          },
        },
        put: {
          summary: 'Upload an input file to a link from POST /uploads',
          security: [],
          parameters: signed,
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
          responses: { '200': json('Uploaded', 'Stored.'), '403': error('The link expired or was altered (forbidden), or its owner is over BIO_QUEUE_OWNER_QUOTA_BYTES (quota_exceeded).'), '413': error('Larger than BIO_QUEUE_UPLOAD_MAX_BYTES.') },
        },
      },
      '/mcp': {
        post: { summary: 'MCP over Streamable HTTP: client messages', requestBody: jsonRpc, responses: { '200': sse('Responses, as JSON or a stream.'), '202': { description: 'Accepted.' }, ...common, '404': error('Unknown session for this key.') } },
        get: { summary: 'MCP over Streamable HTTP: the server-to-client stream (resumable with Last-Event-ID)', responses: { '200': sse('Server messages.'), ...common, '404': error('Unknown session for this key.') } },
        delete: { summary: 'MCP over Streamable HTTP: end the session', responses: { '200': { description: 'Closed.' }, ...common, '404': error('Unknown session for this key.') } },
      },
      '/sse': {
        get: { summary: 'Legacy MCP SSE transport: the stream (first event names the POST endpoint)', responses: { '200': sse('Server messages.'), ...common } },
      },
      '/messages': {
        post: {
          summary: 'Legacy MCP SSE transport: one client message',
          parameters: [{ name: 'sessionId', in: 'query', required: true, schema: { type: 'string' } }],
          requestBody: jsonRpc,
          responses: { '202': { description: 'Accepted; the answer comes on the stream.' }, ...common, '404': error('Unknown session for this key.') },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } }, ...common } },
      },
    },
  };
}
