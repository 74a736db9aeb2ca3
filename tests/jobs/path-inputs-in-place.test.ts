// A path input submitted by a remote caller to `serve` with local storage: the worker shares this
// machine's disk, so the file is read where it is and never copied into the data dir, and a file
// longer than BIO_QUEUE_INPUT_MAX_BYTES (a sparse one counted by its length) is refused at submit
// naming the field, its size and the variable. (The hole: a 1 GiB sparse file grew the data dir
// by 1 GiB per submission.)
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';

const LIMIT = 1024 * 1024;

let h: HttpHarness;

// Bytes the data dir holds (files, not the inputs folder the test writes into).
async function dataDirBytes(dir: string, skip: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (full === skip) continue;
    if (entry.isDirectory()) total += await dataDirBytes(full, skip);
    else if (entry.isFile()) total += (await fs.stat(full)).blocks * 512;
  }
  return total;
}

beforeAll(async () => {
  h = await startHttpHarness({ env: { BIO_QUEUE_INPUT_MAX_BYTES: String(LIMIT) } });
});
afterAll(async () => h?.close());

describe('path inputs over HTTP with local storage', () => {
  it('are read in place: the job completes and nothing of the input is copied into the data dir', async () => {
    const query = path.join(h.inputsDir, 'query.fa');
    await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), query);
    const submitted = await h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'seqkit_stats', parameters: { sequences: [query] } });
    expect(submitted.status).toBe(202);
    await expect(fs.readdir(path.join(h.dataDir, 'inputs', submitted.body.job_id))).rejects.toThrow(/ENOENT/);
    expect((await waitForJob(h.url, h.keys.alice, submitted.body.job_id)).status).toBe('completed');
    const result = await h.api<{ command: string[] }>(h.keys.alice, 'GET', `/jobs/${submitted.body.job_id}/result`);
    expect(result.body.command).toContain('inputs/query.fa');
  });

  it('refuses a sparse file longer than BIO_QUEUE_INPUT_MAX_BYTES without growing the data dir', async () => {
    const sparse = path.join(h.inputsDir, 'sparse.fa');
    const handle = await fs.open(sparse, 'w');
    await handle.write('>s\nACGT\n');
    await handle.truncate(1024 * 1024 * 1024); // 1 GiB long, a few blocks on disk
    await handle.close();
    const before = await dataDirBytes(h.dataDir, h.inputsDir);
    const answer = await h.api<{ code: string; message: string; field: string }>(h.keys.alice, 'POST', '/jobs/submit', { job_type: 'seqkit_stats', parameters: { sequences: [sparse] } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      code: 'input_invalid',
      field: 'sequences.0',
      message: `sequences.0: ${JSON.stringify(sparse)} is 1073741824 bytes, more than the ${LIMIT}-byte limit (BIO_QUEUE_INPUT_MAX_BYTES)`,
    });
    // Retention would have kept a copy for days; now there is none to keep.
    expect(await dataDirBytes(h.dataDir, h.inputsDir)).toBeLessThan(before + LIMIT);
  });
});
