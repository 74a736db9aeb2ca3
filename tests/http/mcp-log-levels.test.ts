// logging/setLevel over Streamable HTTP is each session's own: two sessions of one key follow
// the same job, one at info (it gets the tool's stderr lines as log messages on its
// wait_for_job stream), one at error (it gets none). Real HTTP, the SDK's Client, a real worker.
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, waitDone } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;

beforeAll(async () => {
  h = await startHttpHarness();
});

afterAll(async () => h?.close());

async function session(level: 'info' | 'error'): Promise<{ client: Client; messages: LoggingMessageNotification['params'][] }> {
  const client = await h.mcp(h.keys.alice);
  const messages: LoggingMessageNotification['params'][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params));
  await client.setLoggingLevel(level);
  return { client, messages };
}

describe('MCP log messages over Streamable HTTP', () => {
  it('sends a followed job\'s stderr lines to the session at info, and none to the one at error', async () => {
    const chatty = await session('info');
    const quiet = await session('error');
    const { job_id } = await callOk<{ job_id: string }>(chatty.client, 'bwa_mem_async', {
      reference: path.join(FIXTURES, 'lambda_virus.fa'),
      reads_1: path.join(FIXTURES, 'lambda_reads_1.fq.gz'),
    });
    const [a, b] = await Promise.all([waitDone(chatty.client, job_id), waitDone(quiet.client, job_id)]);
    expect([a.status, b.status]).toEqual(['completed', 'completed']);
    const lines = chatty.messages.filter((m) => m.logger === `job:${job_id}`);
    expect(lines.map((m) => m.data)).toContainEqual(expect.stringMatching(/^\[M::mem_process_seqs\] Processed \d+ reads/));
    expect(quiet.messages).toEqual([]);
  });
});
