// The terminal commands against a real `serve` (REST API, API keys, local storage with signed
// links) and a real `worker` process on the test run's Redis, with real blastn: the built CLI
// run as a person runs it, its output checked against what the REST API says of the same job
// and its downloaded files against blastn run by hand.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/jobs/job-model.js';
import { runByHand } from '../support/by-hand.js';
import { runCli, startCli } from '../support/cli-process.js';
import { FIXTURES } from '../support/harness.js';
import { startHttpHarness, type HttpHarness } from '../support/http-harness.js';
import { until, workerProcesses } from '../support/worker-processes.js';

let h: HttpHarness;
// The worker serves the blast queue only, so a job of another queue (mafft: msa) stays queued.
const workers = workerProcesses(() => h.env, 'blast');
const dirs: string[] = [];
const QUERY = path.join(FIXTURES, 'lambda_queries.fa');

const remote = () => ['--url', h.url, '--api-key', h.keys.alice];
const jobIdOf = (stderr: string) => /^Job (\S+) queued/m.exec(stderr)?.[1];

beforeAll(async () => {
  h = await startHttpHarness({ embeddedWorker: false });
  workers.start();
  // The database, built through the CLI too (its FASTA uploaded, as for any local file).
  const build = await runCli(['submit', 'make_blast_db', '--input', path.join(FIXTURES, 'lambda_virus.fa'), '--name', 'lambda', '--dbtype', 'nucl', '--wait', ...remote()], {});
  expect(build.exitCode, build.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await workers.stopAll();
  await h?.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('bio-mcp-queue submit/status/result/cancel/jobs/queues over REST', () => {
  it('submit --wait uploads the query, shows progress lines, then the summary and links of the job', async () => {
    const run = await runCli(['submit', 'blastn', '--query', QUERY, '--database', 'lambda', '--evalue', '1e-10', '--wait', ...remote()], {});
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^Uploading ${QUERY} \\(\\d+\\.\\d KiB\\) to ${h.url}$`, 'm'));
    const jobId = jobIdOf(run.stderr)!;
    expect(run.stderr).toContain(`Job ${jobId} queued (blastn on the blast queue, priority 5).`);
    // Not a terminal: plain progress lines, the last one the end.
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(`${jobId}: completed 100% completed`);

    const { body: result } = await h.api<JobResult>(h.keys.alice, 'GET', `/jobs/${jobId}/result`);
    const summary = result.summary as { hit_count: number; queries_with_hits: number; top_hits: { query: string; subject: string; bit_score: number }[] };
    expect(summary.hit_count).toBe(20);
    expect(run.stdout).toMatch(new RegExp(`^Job ${jobId} \\(blastn\\) completed in [\\d.]+ s \\(2\\.\\d+\\.\\d+\\+\\)\\.$`, 'm'));
    expect(run.stdout).toContain(`\n  hit_count: ${summary.hit_count}\n`);
    expect(run.stdout).toContain(`\n  queries_with_hits: ${summary.queries_with_hits}\n`);
    for (const hit of summary.top_hits) expect(run.stdout).toMatch(new RegExp(`^ {4}${hit.query} +${hit.subject.replace(/\./g, '\\.')} .* ${hit.bit_score}$`, 'm'));
    expect(run.stdout).toContain(`\nCommand: ${result.command!.join(' ')}\n`);
    for (const file of result.files) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${file.name} +[\\d.]+ (B|KiB) +sha256 ${file.sha256}$`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^ {4}${h.url}/files/\\S+ +\\(until \\S+\\)$`, 'm'));
    }
  });

  it('--json prints the result for scripts; result --download (server and key from the environment) writes files equal to blastn by hand', async () => {
    const run = await runCli(['submit', 'blastn', '--query', QUERY, '--database', 'lambda', '--task', 'blastn', '--max-target-seqs', '5', '--wait', '--json', ...remote()], {});
    expect(run.exitCode, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as JobResult;
    const { body: result } = await h.api<JobResult>(h.keys.alice, 'GET', `/jobs/${printed.job_id}/result`);
    expect(printed.status).toBe('completed');
    expect(printed.summary).toEqual(result.summary);
    expect(printed.command).toEqual(result.command);
    expect(printed.files.map((f) => [f.name, f.size_bytes, f.sha256])).toEqual(result.files.map((f) => [f.name, f.size_bytes, f.sha256]));

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-download-'));
    dirs.push(dir);
    const download = await runCli(['result', printed.job_id, '--download', path.join(dir, 'out'), '--json'], { BIO_QUEUE_URL: h.url, BIO_QUEUE_API_KEY: h.keys.alice });
    expect(download.exitCode, download.stderr).toBe(0);
    expect((JSON.parse(download.stdout) as JobResult).job_id).toBe(printed.job_id);
    expect(await fs.readdir(path.join(dir, 'out'))).toEqual(['hits.tsv']);
    const hand = await runByHand(
      { 'q.fa': QUERY },
      'blastn -task blastn -query q.fa -db lambda -evalue 10 -max_target_seqs 5 -num_threads 1 -outfmt 6 -out hits.tsv',
      { BLASTDB: h.config.dbDir },
    );
    const byHand = await hand.file('hits.tsv');
    await hand.remove();
    expect(byHand.length).toBeGreaterThan(0);
    expect((await fs.readFile(path.join(dir, 'out', 'hits.tsv'))).equals(byHand)).toBe(true);
  });

  it('cancel stops a queued job (exit 0); the waiting submit, status and result then exit 3', async () => {
    const waiting = startCli(['submit', 'mafft', '--sequences', path.join(FIXTURES, 'globins45.fa'), '--wait', ...remote()], {});
    let stderr = '';
    waiting.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const jobId = await until('the waiting submit to name its job', async () => (/: queued, position \d+$/m.test(stderr) ? jobIdOf(stderr) : undefined));

    const cancel = await runCli(['cancel', jobId, ...remote()], {});
    expect(cancel.exitCode, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^Job ${jobId} \\(mafft\\): cancelled$`, 'm'));
    const waited = await waiting;
    expect(waited.exitCode).toBe(3);
    expect(String(waited.stdout)).toBe(`Job ${jobId} (mafft) is cancelled: cancelled before it started`);

    const status = await runCli(['status', jobId, '--json', ...remote()], {});
    expect(status.exitCode).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ job_id: jobId, status: 'cancelled', error: { code: 'cancelled' } });
    expect((await runCli(['result', jobId, ...remote()], {})).exitCode).toBe(3);
    // Again: already cancelled, nothing to do.
    expect((await runCli(['cancel', jobId, ...remote()], {})).exitCode).toBe(0);
    // Another key's job is no job at all.
    const other = await runCli(['status', jobId, '--url', h.url, '--api-key', h.keys.bob], {});
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toBe(`bio-mcp-queue: no job "${jobId}"; list_jobs shows the jobs that exist`);
  });

  it('jobs and queues print tables of what the server has', async () => {
    const jobs = await runCli(['jobs', '--limit', '100', ...remote()], {});
    expect(jobs.exitCode, jobs.stderr).toBe(0);
    const { body: page } = await h.api<{ jobs: { job_id: string; tool: string; status: string }[] }>(h.keys.alice, 'GET', '/jobs?limit=100');
    const lines = jobs.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^JOB +TOOL +STATUS +PROGRESS +ETA +SUBMITTED$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 3))).toEqual(page.jobs.map((j) => [j.job_id, j.tool, j.status]));
    expect(page.jobs.map((j) => j.tool).sort()).toEqual(['blastn', 'blastn', 'mafft', 'make_blast_db']);
    expect(JSON.parse((await runCli(['jobs', '--json', '--status', 'cancelled', ...remote()], {})).stdout).jobs).toHaveLength(1);

    const queues = await runCli(['queues', ...remote()], {});
    expect(queues.exitCode, queues.stderr).toBe(0);
    expect(queues.stdout).toMatch(/^QUEUE +QUEUED +RUNNING +COMPLETED +FAILED +DELAYED +WORKERS$/m);
    expect(queues.stdout).toMatch(/^blast +0 +0 +3 +0 +0 +1$/m);
    expect(queues.stdout).toMatch(/^msa +0 +0 +0 +0 +0 +0$/m);
  });

  it('refuses a bad flag or value (exit 2, naming the flag), a bad key (2) and a server it cannot reach (4)', async () => {
    const typo = await runCli(['submit', 'blastn', '--query', QUERY, '--databse', 'lambda', ...remote()], {});
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toBe('bio-mcp-queue: --databse: unknown flag; bio-mcp-queue submit blastn --help lists the flags');
    const evalue = await runCli(['submit', 'blastn', '--query', QUERY, '--database', 'lambda', '--evalue', 'tiny', ...remote()], {});
    expect(evalue.exitCode).toBe(2);
    expect(evalue.stderr).toBe('bio-mcp-queue: --evalue: expected a number, got "tiny"');
    const range = await runCli(['submit', 'blastn', '--query', QUERY, '--database', 'lambda', '--max-target-seqs', '0', ...remote()], {});
    expect(range.exitCode).toBe(2);
    expect(range.stderr).toBe('bio-mcp-queue: --max-target-seqs: must be at least 1');

    const badKey = await runCli(['jobs', '--url', h.url, '--api-key', 'not-a-key'], {});
    expect(badKey.exitCode).toBe(2);
    expect(badKey.stderr).toMatch(/^bio-mcp-queue: .*API key/);

    // A port nothing listens on: taken, then freed.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const down = await runCli(['submit', 'blastn', '--query', QUERY, '--database', 'lambda', '--url', `http://127.0.0.1:${port}`, '--api-key', h.keys.alice], {});
    expect(down.exitCode).toBe(4);
    expect(down.stderr).toBe(`bio-mcp-queue: cannot reach the server at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
