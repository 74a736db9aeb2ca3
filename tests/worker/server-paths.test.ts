// A failed job's error never shows the server's folders: a real BLAST failing on a database
// whose volume was removed after it was registered names the database, not the databases
// folder, over MCP (Streamable HTTP) and REST; the rewriting itself is checked on real folders,
// a symlinked data dir among them (tools may print either spelling).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BioQueueError } from '../../src/errors.js';
import { hideServerPaths, serverPathHider } from '../../worker/server-paths.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';

let h: HttpHarness;

beforeAll(async () => {
  h = await startHttpHarness();
  // Registered as an operator would (an alias over one volume), then the volume is lost.
  await fs.mkdir(h.config.dbDir, { recursive: true });
  await execa('makeblastdb', ['-in', path.join(FIXTURES, 'lambda_virus.fa'), '-dbtype', 'nucl', '-out', path.join(h.config.dbDir, 'lambda_volume')]);
  await fs.writeFile(path.join(h.config.dbDir, 'lost.nal'), 'TITLE lost\nDBLIST lambda_volume\n');
  for (const file of await fs.readdir(h.config.dbDir)) if (file.startsWith('lambda_volume.')) await fs.rm(path.join(h.config.dbDir, file));
});

afterAll(async () => h?.close());

function expectNoServerPath(text: string | undefined): void {
  expect(text).toBeDefined();
  for (const place of [h.dataDir, h.config.dbDir, h.config.workRoot]) expect(text).not.toContain(place);
  expect(text).not.toMatch(/(^|[\s[(])\/(tmp|root|home|srv|var)\//);
}

describe('a failed tool\'s error', () => {
  it('names the database, not the databases folder, over REST', async () => {
    const submitted = await h.api<{ job_id: string }>(h.keys.alice, 'POST', '/jobs/submit', {
      job_type: 'blastn',
      parameters: { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lost' },
    });
    expect(submitted.status).toBe(202);
    const done = await waitForJob(h.url, h.keys.alice, submitted.body.job_id);
    expect(done.status).toBe('failed');
    const rest = await h.api<{ error: { code: string; message: string; stderr_tail: string; field: string } }>(h.keys.alice, 'GET', `/jobs/${submitted.body.job_id}/status`);
    const error = rest.body.error;
    expect(error.code).toBe('input_invalid');
    expect(error.field).toBe('database');
    // Still BLAST's own words, with the alias file by its database name.
    expect(error.stderr_tail).toContain('BLAST Database error: Could not find volume or alias file (lambda_volume) referenced in alias file (lost).');
    expect(error.message).toContain('(blastn: BLAST Database error: Could not find volume or alias file (lambda_volume) referenced in alias file (lost).)');
    expectNoServerPath(error.message);
    expectNoServerPath(error.stderr_tail);

    const client = await h.mcp(h.keys.alice);
    const status = (await client.callTool({ name: 'get_job_status', arguments: { job_id: submitted.body.job_id } })) as unknown as { structuredContent: { error: typeof error } };
    expect(status.structuredContent.error).toEqual(error);
    const result = (await client.callTool({ name: 'get_job_result', arguments: { job_id: submitted.body.job_id } })) as unknown as { structuredContent: { error: typeof error }; content: { text: string }[] };
    expectNoServerPath(result.structuredContent.error.message);
    expectNoServerPath(result.content.map((c) => c.text).join('\n'));
  });
});

describe('serverPathHider', () => {
  it('makes work dir paths relative, databases and cached indexes their names, other data dir paths placeholders', async () => {
    const real = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-paths-'));
    const link = `${real}-link`;
    await fs.symlink(real, link);
    try {
      const dataDir = link;
      const workRoot = path.join(dataDir, 'work');
      const workDir = path.join(workRoot, 'host.1.abcdef', '7-Xy12');
      const dbDir = path.join(dataDir, 'databases');
      await fs.mkdir(workDir, { recursive: true });
      await fs.mkdir(dbDir);
      const hide = await serverPathHider({ workDir, workRoot, dbDir, dataDir });
      const sha = 'a'.repeat(64);
      expect(hide(`[E::main] fail to open file '${workDir}/reads_1.fq'.`)).toBe("[E::main] fail to open file 'reads_1.fq'.");
      expect(hide(`cwd is ${workDir}`)).toBe('cwd is .');
      // The real spelling of the same folder, as getcwd() gives it to a tool.
      expect(hide(`${path.join(real, 'work', 'host.1.abcdef', '7-Xy12')}/tmp/mafft.x1`)).toBe('tmp/mafft.x1');
      expect(hide(`No alias or index file found for nucleotide database [${dbDir}/nt] in search path [${dbDir}::]`)).toBe(
        'No alias or index file found for nucleotide database [nt] in search path [<databases>::]',
      );
      expect(hide(`[bwa_idx_load] fail to locate the index files at ${dbDir}/indexes/${sha}/reference.fa`)).toBe('[bwa_idx_load] fail to locate the index files at reference.fa');
      expect(hide(`building in ${dbDir}/indexes/${sha}/.build-bwa-0a1b2c3d/reference.fa.bwt`)).toBe('building in reference.fa.bwt');
      expect(hide(`another job's ${workRoot}/host.1.abcdef/8-Zz99/x.bam`)).toBe("another job's <work>");
      expect(hide(`ENOSPC: no space left on device, write '${dataDir}/results/7/hits.tsv'`)).toBe("ENOSPC: no space left on device, write '<data dir>/results/7/hits.tsv'");
      // A sibling folder whose name only starts like the data dir is someone else's path, left alone.
      expect(hide(`${dataDir}2/x`)).toBe(`${dataDir}2/x`);

      const failed = hideServerPaths(
        new BioQueueError('tool_failed', `samtools exited with code 1: ${workDir}/x.bam`, { command: ['samtools', 'view', `${dbDir}/indexes/${sha}/ref.fa`], stderr_tail: `open ${workDir}/x.bam` }),
        hide,
      ) as BioQueueError;
      expect(failed).toBeInstanceOf(BioQueueError);
      expect([failed.code, failed.message, failed.details]).toEqual(['tool_failed', 'samtools exited with code 1: x.bam', { command: ['samtools', 'view', 'ref.fa'], stderr_tail: 'open x.bam' }]);
      const fault = hideServerPaths(new Error(`EACCES: permission denied, open '${workDir}/out'`), hide) as Error;
      expect(fault.message).toBe("EACCES: permission denied, open 'out'");
    } finally {
      await fs.rm(link);
      await fs.rm(real, { recursive: true, force: true });
    }
  });
});
