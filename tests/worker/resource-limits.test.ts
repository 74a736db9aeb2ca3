// Per-job resource limits against real tools with tiny limits: a tool past the memory limit is
// stopped (blastn, caught by the resident-memory watch; fastp, whose 1 GiB up-front allocation
// meets the per-process rlimit behind it), mafft past it with two threads runs again with one and
// says so, and a tool writing more than the output or work dir limit is stopped. Each failure
// names the limit as configured and the figure seen, and leaves no process or work dir behind.
// (This host has cgroup v1: the cgroup v2 path is not what runs here; see memory-cgroup.ts.)
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticReadsFastq, writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { startHarness, type Harness } from '../support/harness.js';
import { processesOfJob } from '../support/processes.js';
import { expectNoWorkLeft, runTool, runToolToFailure } from '../support/tool-jobs.js';

const MiB = 1024 * 1024;

async function expectNothingLeft(h: Harness, jobId?: string): Promise<void> {
  if (jobId) expect(await processesOfJob(h.config.workRoot, jobId)).toEqual([]);
  await expectNoWorkLeft(h);
}

describe('the memory limit', () => {
  let h: Harness;
  let workload: SyntheticWorkload;

  beforeAll(async () => {
    // blastn holds about 85 MiB on this search, fastp allocates about 1.1 GiB at start.
    h = await startHarness({ env: { BIO_QUEUE_TOOL_MEMORY_MAX_BYTES: String(40 * MiB), BIO_QUEUE_TOOL_THREADS: '1' } });
    // Enough reads that blastn holds its memory for seconds, however late a loaded machine samples it.
    workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'blast'), { genomeBases: 2_000_000, reads: 10_000, readLength: 250 });
    await execa('makeblastdb', ['-in', workload.genomePath, '-dbtype', 'nucl', '-out', path.join(h.config.dbDir, 'synthetic')]);
  });
  afterAll(async () => h?.close());

  it('stops blastn past it and fails naming the limit and what it used, without a retry at one thread', async () => {
    const failed = await runToolToFailure(h, 'blastn', { query: workload.readsPath, database: 'synthetic' });
    expect(failed.attempts).toBe(1);
    expect(failed.error.code).toBe('memory_limit');
    expect(failed.error.message).toMatch(/^memory limit BIO_QUEUE_TOOL_MEMORY_MAX_BYTES=41943040 \(40 MiB\) exceeded: blastn used \d+(\.\d)? MiB and was stopped$/);
    // Past the limit, as the message rounds it (to a tenth of a MiB): a sample just over 40 MiB reads "40".
    const used = Number(/used ([\d.]+) MiB/.exec(failed.error.message)![1]);
    expect(used).toBeGreaterThanOrEqual(40);
    expect(failed.error.command?.[0]).toBe('blastn');
    await expectNothingLeft(h);
  });

  it('blames the limit when a tool fails to allocate at the per-process ceiling behind it', async () => {
    const reads = await writeSyntheticReadsFastq(path.join(h.inputsDir, 'fastp'), { genomeBases: 100_000, reads: 2000, readLength: 150 });
    const failed = await runToolToFailure(h, 'fastp', { reads_1: reads.readsPath });
    expect(failed.error.code).toBe('memory_limit');
    expect(failed.error.message).toBe(
      'memory limit BIO_QUEUE_TOOL_MEMORY_MAX_BYTES=41943040 (40 MiB) exceeded: fastp could not allocate memory past its share and stopped (what():  std::bad_alloc)',
    );
    expect(failed.error.command?.[0]).toBe('fastp');
    await expectNothingLeft(h);
  });
});

describe('a tool past the memory limit with two threads', () => {
  let h: Harness;

  beforeAll(async () => {
    // mafft on these 800 sequences holds about 70 MiB with two threads and 46 MiB with one.
    h = await startHarness({ env: { BIO_QUEUE_TOOL_MEMORY_MAX_BYTES: String(60 * MiB), BIO_QUEUE_TOOL_THREADS: '2' } });
  });
  afterAll(async () => h?.close());

  it('runs again with one thread, and the result says so', async () => {
    const workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'mafft'), { genomeBases: 2_000_000, reads: 800, readLength: 250 });
    const result = await runTool(h, 'mafft', { sequences: workload.readsPath });
    expect(result.steps.map((s) => s.pipeline[0]!.slice(-3, -1))).toEqual([['--thread', '1']]);
    const full = (await h.client.callTool({ name: 'get_job_result', arguments: { job_id: result.job_id } })) as unknown as { structuredContent: { notes: string[] } };
    expect(full.structuredContent.notes).toHaveLength(1);
    expect(full.structuredContent.notes[0]).toMatch(
      /^memory limit BIO_QUEUE_TOOL_MEMORY_MAX_BYTES=62914560 \(60 MiB\) exceeded: \S+ used \d+(\.\d)? MiB and was stopped \(with 2 threads\); ran again with 1 thread$/,
    );
    expect(result.summary.sequences).toBe(800);
    await expectNothingLeft(h);
  });
});

describe('the output and work dir limits', () => {
  let output: Harness;
  let workDir: Harness;
  let reads: SyntheticWorkload;

  beforeAll(async () => {
    output = await startHarness({ env: { BIO_QUEUE_OUTPUT_MAX_BYTES: String(MiB) } });
    workDir = await startHarness({ env: { BIO_QUEUE_WORK_DIR_MAX_BYTES: String(MiB / 2) } });
    // More than 1 MiB of BAM: more than either limit.
    reads = await writeSyntheticReadsFastq(path.join(output.inputsDir, 'reads'), { genomeBases: 500_000, reads: 20_000, readLength: 250 });
    await fs.cp(path.join(output.inputsDir, 'reads'), path.join(workDir.inputsDir, 'reads'), { recursive: true });
  });
  afterAll(async () => {
    await output?.close();
    await workDir?.close();
  });

  it('stops an aligner writing more than the output limit', async () => {
    const failed = await runToolToFailure(output, 'minimap2', { reference: reads.genomePath, reads: reads.readsPath, preset: 'sr' });
    expect(failed.attempts).toBe(1);
    expect(failed.error.code).toBe('output_too_large');
    expect(failed.error.message).toMatch(/^output limit BIO_QUEUE_OUTPUT_MAX_BYTES=1048576 \(1 MiB\) exceeded: samtools wrote \d+(\.\d)? (KiB|MiB) of outputs( and was stopped)?$/);
    await expectNothingLeft(output);
  });

  it('stops an aligner whose work dir grows past the work dir limit', async () => {
    const inputs = path.join(workDir.inputsDir, 'reads');
    const failed = await runToolToFailure(workDir, 'minimap2', { reference: path.join(inputs, 'synthetic_genome.fa'), reads: path.join(inputs, 'synthetic_reads.fq'), preset: 'sr' });
    expect(failed.error.code).toBe('output_too_large');
    expect(failed.error.message).toMatch(
      /^work dir limit BIO_QUEUE_WORK_DIR_MAX_BYTES=524288 \(512 KiB\) exceeded: the job's work dir grew to \d+(\.\d)? (KiB|MiB) while \S+ ran(, and it was stopped)?$/,
    );
    await expectNothingLeft(workDir);
  });
});
