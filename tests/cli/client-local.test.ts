// The terminal commands with no server: the private redis-server the stdio mode uses (started on
// first use, left running for the next), JobService in the command itself, and — with no worker
// serving the queue — the job run by the waiting `submit --wait` in its own process, with real
// blastn. Checked against the stored files, blastn by hand, and `result --json`.
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/jobs/job-model.js';
import { privateRedisPaths, stopPrivateRedis } from '../../src/redis/private-redis.js';
import { runByHand } from '../support/by-hand.js';
import { runCli, startCli } from '../support/cli-process.js';
import { until } from '../support/worker-processes.js';
import { FIXTURES, REPO } from '../support/harness.js';

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  // A short path: unix socket paths are limited to ~107 bytes.
  dataDir = await fs.mkdtemp('/tmp/bq-');
  env = { BIO_QUEUE_DATA_DIR: dataDir, BIO_QUEUE_INPUT_ROOTS: FIXTURES, BIO_QUEUE_TOOL_THREADS: '1' };
});

afterAll(async () => {
  if (!dataDir) return;
  await stopPrivateRedis(privateRedisPaths(dataDir).socketPath).catch(() => undefined);
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('bio-mcp-queue submit/status/result/cancel/jobs on the local Redis', () => {
  it('submit --wait runs the job itself when no worker serves its queue, and prints the summary of its result', async () => {
    const build = await runCli(['submit', 'make_blast_db', '--input', path.join(FIXTURES, 'lambda_virus.fa'), '--name', 'lambda', '--dbtype', 'nucl', '--no-parse-seqids', '--wait'], env);
    expect(build.exitCode, build.stderr).toBe(0);
    expect(build.stderr).toContain('No worker serves the blast queue: running the job in this process.');
    const jobId = /^Job (\S+) queued/m.exec(build.stderr)![1]!;
    const result = JSON.parse((await runCli(['result', jobId, '--json'], env)).stdout) as JobResult;
    expect(result.summary).toMatchObject({ database: 'lambda', dbtype: 'nucl', sequences: 1 });
    expect(build.stdout).toContain('\nSummary:\n  database: lambda\n  dbtype: nucl\n');
    expect(build.stdout).toContain(`\nCommand: ${result.command!.join(' ')}\n`);
    // The boolean flag's negation reached the tool.
    expect(result.command).not.toContain('-parse_seqids');
    expect(build.stdout).toContain(`    ${result.files[0]!.url}`);
  });

  it('takes a relative path from the current folder; --json and result --download give files byte-equal to the stored ones and to blastn by hand', async () => {
    const run = await runCli(['submit', 'blastn', '--query', 'fixtures/lambda_queries.fa', '--database', 'lambda', '--evalue', '1e-10', '--wait', '--json'], env, REPO);
    expect(run.exitCode, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as JobResult;
    expect(printed.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
    const again = JSON.parse((await runCli(['result', printed.job_id, '--json'], env)).stdout) as JobResult;
    expect(again).toEqual(printed); // file:// links do not expire: the same result, read twice

    const out = path.join(dataDir, 'downloads');
    const download = await runCli(['result', printed.job_id, '--download', out], env);
    expect(download.exitCode, download.stderr).toBe(0);
    expect(download.stderr).toBe(`Downloading hits.tsv (${(printed.files[0]!.size_bytes / 1024).toFixed(1)} KiB) to ${path.join(out, 'hits.tsv')}`);
    const downloaded = await fs.readFile(path.join(out, 'hits.tsv'));
    expect(downloaded.equals(await fs.readFile(fileURLToPath(printed.files[0]!.url)))).toBe(true);
    const hand = await runByHand(
      { 'q.fa': path.join(FIXTURES, 'lambda_queries.fa') },
      'blastn -task megablast -query q.fa -db lambda -evalue 1e-10 -max_target_seqs 500 -num_threads 1 -outfmt 6 -out hits.tsv',
      { BLASTDB: path.join(dataDir, 'databases') },
    );
    const byHand = await hand.file('hits.tsv');
    await hand.remove();
    expect(downloaded.equals(byHand)).toBe(true);
  });

  it('submit without --wait leaves the job queued for a worker; result exits 5 until then; cancel, then status exits 3', async () => {
    const submit = await runCli(['submit', 'mafft', '--sequences', path.join(FIXTURES, 'globins45.fa'), '--priority', '7'], env);
    expect(submit.exitCode, submit.stderr).toBe(0);
    const jobId = /^Job (msa-\S+) queued \(mafft on the msa queue, priority 7\)\.$/.exec(submit.stdout)![1]!;
    expect(submit.stderr).toBe('note: no worker serves the msa queue right now; the job waits for one (bio-mcp-queue worker, or submit --wait, which runs it itself on the local Redis)');

    const status = await runCli(['status', jobId], env);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^Job ${jobId} \\(mafft\\): queued\\n {2}.*\\(position 1 in its queue\\)$`, 'm'));
    const early = await runCli(['result', jobId], env);
    expect(early.exitCode).toBe(5);
    expect(early.stdout).toBe(`Job ${jobId} (mafft) is queued`);

    const cancel = await runCli(['cancel', jobId, '--json'], env);
    expect(cancel.exitCode, cancel.stderr).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ job_id: jobId, status: 'cancelled' });
    expect((await runCli(['status', jobId], env)).exitCode).toBe(3);

    const jobs = await runCli(['jobs'], env);
    expect(jobs.exitCode).toBe(0);
    expect(jobs.stdout.split('\n').slice(1).map((l) => l.split(/ +/).slice(0, 3))).toEqual([
      [jobId, 'mafft', 'cancelled'],
      [expect.stringMatching(/^blast-/), 'blastn', 'completed'],
      [expect.stringMatching(/^blast-/), 'make_blast_db', 'completed'],
    ]);
  });

  it('Ctrl-C stops a submit --wait (exit 130), not its job', async () => {
    // No worker anywhere: the job stays queued while the command waits.
    const waiting = startCli(['submit', 'mafft', '--sequences', path.join(FIXTURES, 'globins45.fa'), '--wait'], { ...env, BIO_QUEUE_EMBEDDED_WORKER: 'false' });
    let stderr = '';
    waiting.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const jobId = await until('the wait to show the job queued', async () => (/: queued, position \d+$/m.test(stderr) ? /^Job (\S+) queued/m.exec(stderr)?.[1] : undefined));
    expect(stderr).toContain('note: no worker serves the msa queue right now; waiting until one does (Ctrl-C stops waiting, not the job)');
    waiting.kill('SIGINT');
    const stopped = await waiting;
    expect(stopped.exitCode).toBe(130);
    expect(String(stopped.stderr).trimEnd().split('\n').at(-1)).toBe(`Stopped waiting: job ${jobId} is queued; bio-mcp-queue status ${jobId} shows how it gets on.`);
    expect((await runCli(['status', jobId], env)).exitCode).toBe(0);
    expect((await runCli(['cancel', jobId], env)).exitCode).toBe(0);
  });

  it('runs a pipeline from its flags too, its inputs relative paths, and shows each step\'s summary', async () => {
    const reads = ['--reads-1', 'fixtures/lambda_reads_1.fq.gz', '--reads-2', 'fixtures/lambda_reads_2.fq.gz'];
    const run = await runCli(['submit', 'align_and_call_variants', '--reference', 'fixtures/lambda_virus.fa', ...reads, '--wait', '--json'], env, REPO);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('No worker serves the pipeline queue: running the job in this process.');
    const result = JSON.parse(run.stdout) as JobResult;
    expect(result.files.filter((f) => !f.intermediate).map((f) => f.name)).toEqual(['calls.vcf.gz', 'calls.vcf.gz.csi', 'calls.stats.txt']);
    const text = await runCli(['result', result.job_id], env);
    const steps = (result.summary as { steps: { tool: string; records: number }[] }).steps;
    expect(text.stdout).toContain(`\n  steps[0]:\n    step: 0\n    tool: bwa_mem\n    records: ${steps[0]!.records}\n`);
    expect(text.stdout).toContain(`\n  steps[1]:\n    step: 1\n    tool: bcftools_call\n    records: ${steps[1]!.records}\n`);
  });

  it('exits 4 at once when the configured Redis cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const down = await runCli(['jobs'], { ...env, BIO_QUEUE_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(down.exitCode).toBe(4);
    expect(down.stderr).toMatch(new RegExp(`^bio-mcp-queue: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(BIO_QUEUE_REDIS_URL\\): .+$`));
  });

  it('lists every tool and pipeline, and each tool\'s flags from its schema', async () => {
    const tools = await runCli(['submit', '--help'], env);
    expect(tools.exitCode).toBe(0);
    for (const name of ['blastn', 'bwa_mem', 'fastp', 'align_and_call_variants', 'run_pipeline']) expect(tools.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    const help = await runCli(['submit', 'blastn', '--help'], env);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: bio-mcp-queue submit blastn --query TEXT --database TEXT \[flags\]$/m);
    expect(help.stdout).toMatch(/^ {2}--max-target-seqs N\n {6}Maximum number of database sequences to report per query \(BLAST default 500\)\. Default: 500\.$/m);
    expect(help.stdout).toMatch(/^ {2}--task megablast\|dc-megablast\|blastn\|blastn-short$/m);
    const seqkit = await runCli(['submit', 'seqkit_stats', '--help'], env);
    expect(seqkit.stdout).toMatch(/^ {2}--sequences TEXT {2}\(required\) {2}\(repeat for more\)$/m);
  });
});
