// A worker on a machine without the tool: the job fails at once with an install hint, and the
// worker carries on.
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, FIXTURES, REPO, startHarness, waitDone, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ embeddedWorker: false });
});
afterAll(async () => h?.close());

describe('a tool binary that is not installed', () => {
  it('fails the job with the install command, without retries', async () => {
    // No PATH entry holds BLAST+: node itself is started by its absolute path.
    const worker = execa(process.execPath, [path.join(REPO, 'dist', 'src', 'cli', 'main.js'), 'worker'], {
      env: { ...h.env, PATH: '/nonexistent' },
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
    });
    try {
      const { job_id } = await callOk<{ job_id: string }>(h.client, 'blastn_async', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' });
      const done = await waitDone(h.client, job_id);
      expect(done.status).toBe('failed');
      expect(done.attempts).toBe(1);
      const error = done.error as { code: string; message: string };
      expect(error.code).toBe('tool_missing');
      expect(error.message).toMatch(/^blastn is not installed on this worker: /);
      expect(error.message).toContain('apt-get install -y ncbi-blast+');
      expect(error.message).toContain('brew install blast');
      expect(error.message).toContain('conda install -c bioconda blast');
      expect(worker.exitCode).toBeNull();
    } finally {
      worker.kill('SIGTERM');
      await worker;
    }
  });
});
