// /openapi.json describes the API the app really serves: every route express has is a path and
// operation of the document (and nothing more), every $ref resolves, and the schemas are the
// ones the routes parse with.
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[]; requestBody?: unknown; parameters?: { name: string; in: string }[] }>>;
  components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[] }> };
};
let doc: Doc;

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false });
  const answer = await h.api<Doc>(h.keys.bob, 'GET', '/openapi.json');
  expect(answer.status).toBe(200);
  doc = answer.body;
});

afterAll(async () => h?.close());

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; match?(path: string): object | false };

// The queues dashboard is pages for people behind a sign-in, not API: it is not in the document.
const isDashboard = (layer: Layer) => Boolean(layer.match?.('/admin/queues')) && layer.match?.('/') === false;

// "GET /jobs/{id}/status" for every route in the app, nested routers included (all mounted at /, but the dashboard).
function routesOf(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (isDashboard(layer)) return [];
    if (layer.route) {
      const openApiPath = layer.route.path.replace(/[:*](\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${openApiPath}`);
    }
    return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
  });
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of this server', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('bio-mcp-queue');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.servers).toEqual([{ url: h.server.publicUrl }]);
  });

  it('lists exactly the routes the app serves', () => {
    const app = h.server.app.app as Express & { router: { stack: Layer[] } };
    // The busiest routes are served ahead of express (front-routes.ts).
    const front = h.server.app.frontRoutes.flatMap((route) => route.methods.map((m) => `${m} ${route.path}`));
    const served = [...routesOf(app.router.stack), ...front].sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([p, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(served);
    expect(served).toEqual(expect.arrayContaining(['POST /jobs/submit', 'GET /jobs/{id}/status', 'GET /jobs/{id}/result', 'DELETE /jobs/{id}', 'GET /jobs', 'GET /queues/stats', 'GET /workers', 'GET /health']));
  });

  it('gives every operation responses, and only /health and /files no API key', () => {
    for (const [p, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(Object.keys(operation.responses).length, `${method} ${p}`).toBeGreaterThan(0);
        const open = operation.security !== undefined && operation.security.length === 0;
        expect(open, `${method} ${p}`).toBe(p === '/health' || p === '/files/{key}');
      }
    }
  });

  it('resolves every $ref to a component', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(Object.keys(doc.components.schemas), ref).toContain(ref);
  });

  it('describes the request and response schemas the routes use', () => {
    const submit = doc.paths['/jobs/submit']!.post! as { requestBody: { content: { 'application/json': { schema: { required: string[]; properties: Record<string, { default?: unknown }>; additionalProperties: boolean } } } } };
    const body = submit.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['job_type', 'parameters']);
    expect(body.properties.priority).toMatchObject({ type: 'integer', minimum: 1, maximum: 10, default: 5 });
    expect(body.additionalProperties).toBe(false);
    expect(doc.paths['/jobs']!.get!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['query:status', 'query:tool', 'query:limit', 'query:cursor']);
    expect(doc.components.schemas.JobStatus!.required).toEqual(
      expect.arrayContaining(['job_id', 'tool', 'status', 'progress', 'eta_seconds', 'queue_position', 'submitted_at', 'error']),
    );
    expect(doc.components.schemas.UploadTicket!.required).toEqual(['upload_ref', 'upload_id', 'url', 'method', 'expires_at', 'max_bytes']);
    expect(doc.components.schemas.Error!.required).toEqual(['code', 'message']);
  });
});
