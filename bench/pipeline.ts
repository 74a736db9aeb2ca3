// What a three-step pipeline costs through the queue next to the same commands typed by hand:
// qc_and_align (fastp → bwa mem → samtools flagstat) as one job through the stdio MCP server
// (its own redis-server, an in-process worker; each step a job of its own queue, chained as a
// BullMQ flow) vs the commands each step runs, one after another in a shell. Hermetic: a temp
// data dir, everything it started stopped however the run ends.
//
//   npm run bench:pipeline [-- --runs 3] [-- --reads 300000]
//
// The reference index is built once before the timed rounds (by hand as by the server's cache),
// so both sides time the same work. Every round checks that the two sides agree: the argv the
// pipeline recorded for each step equals the hand commands (input paths aside), the trimmed
// reads, the BAM's records and flagstat.txt are identical, and the fixture pairs give 1,291 BAM
// records — a run that aligns anything else stops.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import type { JobResult, Submission } from '../src/jobs/job-model.js';
import { packageRoot } from '../src/package-info.js';
import { Cleanup } from './support/cleanup.js';
import { startServerChild, type ServerChild } from './support/server-child.js';
import { figures, formatTable, type Row } from './support/stats.js';
import { alignmentWorkloads, type AlignmentWorkload as Workload } from './support/alignment-workloads.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';
import { check, progress } from './support/bench-checks.js';

const THREADS = 2;
// The fixture pairs' 4,000 reads after fastp's default filters, aligned.
const FIXTURE_RECORDS = 1291;
/** The commands of one step by hand, as argv lists (a list of several is a pipe), each with where its stdout goes. */
type HandCommand = { pipeline: string[][]; stdout?: string };

// Exactly what the catalog's fastp, bwa_mem and samtools_flagstat run, with the files in one
// folder (the reads under their own names, as the worker stages them).
function handSteps(reads: readonly string[]): { tool: string; commands: HandCommand[] }[] {
  const t = String(THREADS);
  const paired = reads.length === 2;
  const [r1, r2] = reads.map((r) => path.basename(r)) as [string, string | undefined];
  return [
    {
      tool: 'fastp',
      commands: [
        {
          pipeline: [
            ['fastp', '-i', r1, ...(paired ? ['-I', r2!] : []), '-o', 'trimmed_1.fq.gz', ...(paired ? ['-O', 'trimmed_2.fq.gz'] : []), '-j', 'fastp.json', '-h', 'fastp.html', '-w', t, '-V'],
          ],
        },
      ],
    },
    {
      tool: 'bwa_mem',
      commands: [
        { pipeline: [['bwa', 'mem', '-K', '10000000', '-t', t, 'ref.fa', 'trimmed_1.fq.gz', ...(paired ? ['trimmed_2.fq.gz'] : [])], ['samtools', 'sort', '-@', t, '-T', 'tmp/sort', '-o', 'aligned.bam', '-']] },
        { pipeline: [['samtools', 'index', 'aligned.bam']] },
        { pipeline: [['samtools', 'flagstat', '-O', 'json', 'aligned.bam']], stdout: 'flagstat.json' },
        { pipeline: [['samtools', 'coverage', 'aligned.bam']], stdout: 'coverage.tsv' },
      ],
    },
    { tool: 'samtools_flagstat', commands: [{ pipeline: [['samtools', 'flagstat', '-@', t, 'aligned.bam']], stdout: 'flagstat.txt' }] },
  ];
}

// A path becomes its file name, and the bwa index prefix (a cache path named by the reference's
// sha256) "ref.fa": what is left is what the tool was told to do.
function normalized(argv: readonly string[]): string[] {
  return argv.map((arg, i) => (argv[0] === 'bwa' && argv[i - 2] === '-t' ? 'ref.fa' : arg.includes('/') && arg !== 'tmp/sort' ? path.basename(arg) : arg));
}

function shellLine(cmd: HandCommand): string {
  const quote = (a: string) => (/^[\w./=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return cmd.pipeline.map((argv) => argv.map(quote).join(' ')).join(' | ') + (cmd.stdout ? ` > ${cmd.stdout}` : '');
}

async function run(cmd: HandCommand, cwd: string): Promise<void> {
  await execa('bash', ['-euo', 'pipefail', '-c', shellLine(cmd)], { cwd, stdin: 'ignore', stderr: 'ignore' });
}

async function sha256Of(command: string, cwd: string): Promise<string> {
  const { stdout } = await execa('bash', ['-euo', 'pipefail', '-c', command], { cwd, encoding: 'buffer', stripFinalNewline: false });
  return createHash('sha256').update(stdout).digest('hex');
}

// What both sides must agree on: the trimmed reads (decompressed), the BAM's records (the header's
// @PG lines name paths, so records only), flagstat.txt byte for byte.
async function outputsOf(files: { trimmed: string; bam: string; flagstat: string }): Promise<{ trimmed: string; records: number; bamRecords: string; flagstat: string }> {
  return {
    trimmed: await sha256Of(`zcat ${JSON.stringify(files.trimmed)}`, '/'),
    records: Number((await execa('samtools', ['view', '-c', files.bam])).stdout.trim()),
    bamRecords: await sha256Of(`samtools view ${JSON.stringify(files.bam)}`, '/'),
    flagstat: createHash('sha256').update(await fs.readFile(files.flagstat)).digest('hex'),
  };
}

// By hand, in a folder holding the inputs and the index already built; returns each step's time and the outputs.
async function byHand(work: Workload, dir: string): Promise<{ stepMs: number[]; totalMs: number; outputs: Awaited<ReturnType<typeof outputsOf>> }> {
  const stepMs: number[] = [];
  const start = performance.now();
  for (const step of handSteps(work.reads)) {
    const stepStart = performance.now();
    for (const cmd of step.commands) await run(cmd, dir);
    stepMs.push(performance.now() - stepStart);
  }
  const totalMs = performance.now() - start;
  const outputs = await outputsOf({ trimmed: path.join(dir, 'trimmed_1.fq.gz'), bam: path.join(dir, 'aligned.bam'), flagstat: path.join(dir, 'flagstat.txt') });
  return { stepMs, totalMs, outputs };
}

async function prepareHandDir(work: Workload, dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'tmp'), { recursive: true });
  await fs.copyFile(work.reference, path.join(dir, 'ref.fa'));
  for (const reads of work.reads) await fs.copyFile(reads, path.join(dir, path.basename(reads)));
  await execa('bwa', ['index', 'ref.fa'], { cwd: dir, stderr: 'ignore' });
}

// Through the server: submit → wait → result, as a client waits for it; then the recorded argv and the outputs.
async function throughServer(server: ServerChild, work: Workload): Promise<{ ms: number; stepSeconds: number[]; outputs: Awaited<ReturnType<typeof outputsOf>> }> {
  const start = performance.now();
  const args: Record<string, unknown> = { reference: work.reference, reads_1: work.reads[0], ...(work.reads[1] ? { reads_2: work.reads[1] } : {}) };
  const job = await server.call<Submission>('qc_and_align_async', args);
  const status = await server.waitUntilDone(job.job_id);
  check(status.status === 'completed', `${work.label}: the pipeline ended ${status.status}: ${JSON.stringify(status.error)}`);
  const result = await server.call<JobResult>('get_job_result', { job_id: job.job_id });
  const ms = performance.now() - start;
  const steps = result.pipeline_steps ?? [];
  const hand = handSteps(work.reads);
  check(steps.map((s) => s.tool).join() === hand.map((s) => s.tool).join(), `${work.label}: the pipeline ran ${steps.map((s) => s.tool).join(', ')}`);
  for (const [i, step] of steps.entries()) {
    const ran = step.steps.map((s) => ({ pipeline: s.pipeline.map(normalized), ...(s.stdout ? { stdout: s.stdout } : {}) }));
    check(JSON.stringify(ran) === JSON.stringify(hand[i]!.commands), `${work.label}: step ${i} ran ${JSON.stringify(ran)}, by hand runs ${JSON.stringify(hand[i]!.commands)}`);
  }
  const file = (name: string) => fileURLToPath(result.files.find((f) => f.name === name)!.url);
  const outputs = await outputsOf({ trimmed: file('step0.trimmed_1.fq.gz'), bam: file('step1.aligned.bam'), flagstat: file('flagstat.txt') });
  return { ms, stepSeconds: steps.map((s) => s.runtime_seconds), outputs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, reads: { type: 'string' } } });
  const runs = Number(values.runs ?? 3);
  const syntheticReads = Number(values.reads ?? 0);
  check(Number.isInteger(runs) && runs >= 1, '--runs: a whole number from 1');
  check(Number.isInteger(syntheticReads) && syntheticReads >= 0, '--reads: a whole number from 0');
  const root = packageRoot();
  const cleanup = new Cleanup();
  try {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-pipeline-'));
    cleanup.add('temp dir', () => fs.rm(tmp, { recursive: true, force: true }));
    const redis = await startThrowawayRedis(path.join(tmp, 'redis'));
    cleanup.add('redis-server', () => redis.stop(), redis.pid);
    const fixtures = path.join(root, 'fixtures');
    const workloads = await alignmentWorkloads(fixtures, FIXTURE_RECORDS, { dir: path.join(tmp, 'synthetic'), reads: syntheticReads, gzip: true });
    const server = await startServerChild({
      label: 'pipeline',
      mainJs: path.join(root, 'dist', 'src', 'cli', 'main.js'),
      env: {
        BIO_QUEUE_REDIS_URL: redis.url,
        BIO_QUEUE_DATA_DIR: path.join(tmp, 'data'),
        BIO_QUEUE_INPUT_ROOTS: [fixtures, tmp].join(path.delimiter),
        BIO_QUEUE_TOOL_THREADS: String(THREADS),
        BIO_QUEUE_LOG_LEVEL: 'warn',
      },
    });
    cleanup.add('server', () => server.close(), server.pid ?? undefined);

    const rows: Row[] = [];
    const notes: string[] = [];
    for (const work of workloads) {
      const handDir = path.join(tmp, 'hand');
      await prepareHandDir(work, handDir);
      // One untimed round each: the server builds and caches the reference index, module loading, file caches.
      await throughServer(server, work);
      await byHand(work, handDir);
      const hand: number[] = [];
      const handStepMs: number[][] = [[], [], []];
      const queued: number[] = [];
      const queuedSteps: number[][] = [[], [], []];
      for (let i = 0; i < runs; i++) {
        progress(`${work.label}: round ${i + 1} of ${runs}`);
        const h = await byHand(work, handDir);
        const q = await throughServer(server, work);
        check(JSON.stringify(h.outputs) === JSON.stringify(q.outputs), `${work.label}: by hand and through the queue differ: ${JSON.stringify(h.outputs)} vs ${JSON.stringify(q.outputs)}`);
        check(work.records === undefined || h.outputs.records === work.records, `${work.label}: ${h.outputs.records} BAM records, expected ${work.records}`);
        work.records ??= h.outputs.records;
        hand.push(h.totalMs);
        queued.push(q.ms);
        h.stepMs.forEach((ms, s) => handStepMs[s]!.push(ms));
        q.stepSeconds.forEach((sec, s) => queuedSteps[s]!.push(sec * 1000));
      }
      const names = ['fastp', 'bwa mem → samtools sort, index, flagstat, coverage', 'samtools flagstat'];
      rows.push({ label: `${work.label}: by hand, the three steps`, figures: figures(hand) });
      rows.push({ label: `${work.label}: qc_and_align_async, submit → result`, figures: figures(queued) });
      names.forEach((name, s) => {
        rows.push({ label: `${work.label}:   step ${s} by hand (${name})`, figures: figures(handStepMs[s]!) });
        rows.push({ label: `${work.label}:   step ${s} in the pipeline (tool run)`, figures: figures(queuedSteps[s]!) });
      });
      notes.push(`${work.label}: every run gave ${work.records} BAM records, the same records, trimmed reads and flagstat.txt by hand and through the queue`);
      await fs.rm(handDir, { recursive: true, force: true });
    }
    await server.close();
    process.stdout.write(`qc_and_align through the stdio MCP server vs the same commands by hand, ${runs} runs each, ${THREADS} threads, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`);
    process.stdout.write(`${formatTable(rows)}\n\n${notes.join('\n')}\n`);
    process.stdout.write(
      '\n"submit → result" is what a client waits: three jobs, each checked, staged, run, hashed and stored, chained on their queues,\n' +
        'then the pipeline job that gathers them. "tool run" is each step\'s runtime_seconds: its commands alone, as by hand.\n',
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/pipeline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
