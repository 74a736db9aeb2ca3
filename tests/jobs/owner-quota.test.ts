// BIO_QUEUE_OWNER_QUOTA_BYTES on the real `serve` stack (local storage, real uploads over HTTP):
// once alice keeps more than her quota, her submissions, upload links and uploads are refused
// with quota_exceeded (403, an isError result over MCP) saying what she keeps, the quota, the
// variable and what frees space; bob, under his, goes on as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';

const QUOTA = 1000;
const FASTA = '>a\nACGTACGTAC\n';
const submit = { job_type: 'seqkit_stats', parameters: { sequences: [FASTA] } };

let h: HttpHarness;

interface Ticket {
  url: string;
  upload_ref: string;
}

async function uploadBytes(key: string, bytes: number): Promise<Ticket> {
  const ticket = await h.api<Ticket>(key, 'POST', '/uploads');
  expect(ticket.status).toBe(201);
  const put = await fetch(ticket.body.url, { method: 'PUT', body: `>u\n${'A'.repeat(bytes - 4)}\n` });
  expect(put.status).toBe(200);
  return ticket.body;
}

// The whole message but the time the oldest file goes, which depends on when the test ran.
const overQuota = (owner: string, bytes: number) =>
  new RegExp(
    `^"${owner}" keeps ${bytes} bytes in storage, at or over the ${QUOTA}-byte quota \\(BIO_QUEUE_OWNER_QUOTA_BYTES\\); results and uploads free their space when they pass the retention time of BIO_STORAGE_RETENTION_DAYS \\(the oldest at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\), and inputs staged for queued or running jobs when those end or are cancelled$`,
  );

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false, env: { BIO_QUEUE_OWNER_QUOTA_BYTES: String(QUOTA) } });
});
afterAll(async () => h?.close());

describe('the per-owner storage quota', () => {
  it('lets an owner store up to the quota, then refuses new work from that owner only', async () => {
    // Under the quota everything works, and the upload that crosses it is still taken.
    expect((await h.api(h.keys.alice, 'POST', '/jobs/submit', submit)).status).toBe(202);
    await uploadBytes(h.keys.alice, 600);
    const spare = await h.api<Ticket>(h.keys.alice, 'POST', '/uploads'); // signed while still under
    await uploadBytes(h.keys.alice, 600);

    const refused = await h.api<{ code: string; message: string }>(h.keys.alice, 'POST', '/jobs/submit', submit);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('quota_exceeded');
    expect(refused.body.message).toMatch(overQuota('alice', 1200));
    const link = await h.api<{ code: string; message: string }>(h.keys.alice, 'POST', '/uploads');
    expect(link.status).toBe(403);
    expect(link.body.message).toMatch(overQuota('alice', 1200));
    // A link signed before she went over is refused too, before its body is stored.
    const put = await fetch(spare.body.url, { method: 'PUT', body: FASTA });
    expect(put.status).toBe(403);
    expect(((await put.json()) as { code: string }).code).toBe('quota_exceeded');
    // Over MCP the refusal is a tool error result.
    const mcp = await h.mcp(h.keys.alice);
    expect(await callError(mcp, 'seqkit_stats_async', { sequences: [FASTA] })).toMatch(new RegExp(`^quota_exceeded: ${overQuota('alice', 1200).source.slice(1)}`));

    // bob's own storage is untouched by alice's.
    expect((await h.api(h.keys.bob, 'POST', '/jobs/submit', submit)).status).toBe(202);
    await uploadBytes(h.keys.bob, 600);
    expect((await h.api(h.keys.bob, 'POST', '/jobs/submit', submit)).status).toBe(202);
  });
});
