// What tools/list tells a client about every tool, read through the SDK's own Client: a title,
// all four annotation hints (openWorldHint true exactly where an input may be an http(s):// URL
// the worker fetches), an output schema, and JSON Schema free of the constructs the MCP
// Inspector's --strict check flags as unportable: type arrays (zod's spelling of a nullable),
// untyped {} schemas (zod's spelling of "any value"), and $ref.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpToolName } from '../../src/mcp/catalog-tools.js';
import { jobTools } from '../../src/mcp/tools/index.js';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let tools: Tool[];

beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
  ({ tools } = await h.client.listTools());
});

afterAll(async () => h?.close());

// A catalog tool fetches a URL given for any of its inputs; a pipeline passes its inputs to such
// tools (run_pipeline any tool's); the job tools take job ids and names only.
function acceptsUrl(name: string): boolean {
  const tool = catalog.find((t) => mcpToolName(t) === name);
  if (tool) return tool.inputs.length > 0;
  return pipelines.some((p) => mcpToolName(p) === name);
}

type Json = unknown;

// Every place in a schema where `test` holds, as a path.
function findIn(schema: Json, test: (node: Record<string, unknown>, key: string) => boolean, at = '', key = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => findIn(item, test, `${at}[${i}]`, key));
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const here = test(node, key) ? [at || '(root)'] : [];
  return [...here, ...Object.entries(node).flatMap(([k, v]) => findIn(v, test, `${at}.${k}`, k))];
}

describe('tools/list', () => {
  it('lists every tool with a title, all four annotation hints and an output schema', () => {
    const jobToolNames = jobTools.filter((t) => !t.availability || t.availability.on(h.runtime.jobs)).map((t) => t.name);
    expect(tools.map((t) => t.name).sort()).toEqual([...catalog.map(mcpToolName), ...pipelines.map(mcpToolName), ...jobToolNames].sort());
    for (const tool of tools) {
      expect(tool.title, tool.name).toEqual(expect.any(String));
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      const a = tool.annotations ?? {};
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        expect(typeof a[hint], `${tool.name}: ${hint}`).toBe('boolean');
      }
    }
  });

  it('marks open-world exactly the tools whose inputs may be URLs', () => {
    const openWorld = tools.filter((t) => t.annotations?.openWorldHint === true).map((t) => t.name);
    expect(openWorld.sort()).toEqual(tools.map((t) => t.name).filter(acceptsUrl).sort());
    expect(openWorld).toContain('blastn_async');
    expect(openWorld).toContain('run_pipeline_async');
    expect(openWorld).not.toContain('wait_for_job');
  });

  it('writes a nullable as anyOf branches of one type each, never a type array', () => {
    for (const tool of tools) {
      for (const [which, schema] of [['inputSchema', tool.inputSchema], ['outputSchema', tool.outputSchema]] as const) {
        expect(findIn(schema, (node) => Array.isArray(node.type)), `${tool.name} ${which}`).toEqual([]);
      }
    }
    // The fields that were type arrays before.
    const status = tools.find((t) => t.name === 'get_job_status')!.outputSchema!.properties as Record<string, Json>;
    expect(status.eta_seconds).toEqual({ anyOf: [{ type: 'number', description: expect.any(String) }, { type: 'null' }] });
  });

  it('gives every schema a type or a keyword: no untyped {} and no $ref', () => {
    for (const tool of tools) {
      for (const [which, schema] of [['inputSchema', tool.inputSchema], ['outputSchema', tool.outputSchema]] as const) {
        // An empty `properties` is a keyword's value, not a schema; any other {} is a schema that says nothing.
        const untyped = findIn(schema, (node, key) => key !== 'properties' && Object.keys(node).length === 0);
        expect(untyped, `${tool.name} ${which}`).toEqual([]);
        expect(findIn(schema, (node) => '$ref' in node), `${tool.name} ${which}`).toEqual([]);
      }
    }
    const runPipeline = tools.find((t) => t.name === 'run_pipeline_async')!;
    const steps = runPipeline.inputSchema.properties!.steps as { items: { properties: { parameters: Json } } };
    expect(steps.items.properties.parameters).toMatchObject({ type: 'object', additionalProperties: true });
  });
});
