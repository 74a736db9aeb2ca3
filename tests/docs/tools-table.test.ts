// The README's tools table is rendered from the catalog plus a fixed list of job tools; this
// checks both against what a real server registers, through the MCP SDK's own client, so the
// table cannot list a tool the server lacks or miss one it has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogToolDocs, JOB_TOOLS, renderToolsTable, SUBMITTABLE } from '../../scripts/generate-docs.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let stdio: Harness;

beforeAll(async () => {
  // As `serve` runs it (uploads possible), so every tool the product has is listed.
  h = await startHarness({ embeddedWorker: false, publicUrl: 'http://127.0.0.1:8000' });
  stdio = await startHarness({ embeddedWorker: false });
});

afterAll(async () => {
  await h?.close();
  await stdio?.close();
});

// The tool names in the first column of a rendered table.
function tableNames(table: string): string[] {
  return [...table.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

describe('the tools table', () => {
  it('names exactly the tools the MCP server lists', async () => {
    const { tools } = await h.client.listTools();
    expect(tableNames(renderToolsTable()).sort()).toEqual(tools.map((t) => t.name).sort());
  });

  it('lists create_upload_url only where uploads work: over stdio with local files there is none', async () => {
    const { tools } = await stdio.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).not.toContain('create_upload_url');
    expect(tableNames(renderToolsTable()).filter((n) => !names.includes(n))).toEqual(['create_upload_url']);
  });

  it('gives each tool the title the server gives it', async () => {
    const { tools } = await h.client.listTools();
    const served = Object.fromEntries(tools.map((t) => [t.name, t.title]));
    const documented = Object.fromEntries([...catalogToolDocs(SUBMITTABLE), ...JOB_TOOLS].map((t) => [t.name, t.title]));
    expect(documented).toEqual(served);
  });

  it('quotes the start of each catalog tool description the server sends', async () => {
    const { tools } = await h.client.listTools();
    for (const doc of catalogToolDocs(SUBMITTABLE)) {
      expect(tools.find((t) => t.name === doc.name)?.description?.startsWith(doc.description)).toBe(true);
    }
  });
});
