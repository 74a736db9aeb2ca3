// What a client's model reads on connecting: every catalog tool, by queue, and how to chain jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpToolName } from '../../src/mcp/catalog-tools.js';
import { catalog, QUEUE_NAMES } from '../../tools/index.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
});
afterAll(async () => h?.close());

describe('the server instructions', () => {
  it('name every *_async tool under its queue and explain job:// chaining', () => {
    const text = h.client.getInstructions() ?? '';
    const families = text.split('\n').at(-1)!;
    for (const queue of QUEUE_NAMES) {
      const tools = catalog.filter((t) => t.queue === queue).map(mcpToolName);
      expect(families).toContain(`${queue}: ${tools.join(', ')}`);
    }
    expect(text).toContain('job://<job_id>/<file name>');
    expect(text).toContain('a client that subscribes to one (resources/subscribe) is notified when the job ends');
  });
});
