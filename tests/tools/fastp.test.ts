// fastp through the MCP server on the fixture reads, against the same command typed by hand
// (plain, in a scratch folder where the inputs sit under the names the job gave them):
// - the trimmed reads are compared as bytes: fastp's gzip output carries no name or time, and
//   fastp 0.23.2 writes the packs of reads back in input order whatever its thread count;
// - fastp.json is compared whole except "command" (ours adds -j/-h, which name fastp's default
//   files anyway, and -V, which only adds log lines to stderr); fastp.html except the command
//   line and the times it prints;
// - the summary is checked against the numbers of the fastp.json written by hand.
// With two threads the reads are the same bytes again, and fastp.json differs only in its
// insert-size histogram, which fastp samples from the reads its first thread got (the summary
// leaves it out). Progress is read from the -V lines of a real run on a million reads.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastp } from '../../tools/fastp.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { fastpHtmlWithoutRunFacts, fastpJsonWithout } from '../support/fastp-reports.js';
import { callError, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { processesWithCwdUnder } from '../support/processes.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const lambda1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const lambda2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');
const illumina1 = path.join(FIXTURES, 'illumina16s_R1.fq.gz');
const illumina2 = path.join(FIXTURES, 'illumina16s_R2.fq.gz');
const LAMBDA_INPUTS = { 'inputs/lambda_reads_1.fq.gz': lambda1, 'inputs/lambda_reads_2.fq.gz': lambda2 };
const ILLUMINA_INPUTS = { 'inputs/illumina16s_R1.fq.gz': illumina1, 'inputs/illumina16s_R2.fq.gz': illumina2 };

/** fastp holds 1 GB and takes seconds even on tiny input (several per test); on a loaded 2-core machine, many. */
const FASTP_TIMEOUT_MS = 180_000;

let h: Harness;
const scratch: ByHand[] = [];

// A test runs fastp by hand and the job side by side (Promise.all): neither reads what the other
// writes, and each fastp spends seconds of one core zeroing its 1 GB, so in turn they took twice as long.
async function byHand(inputs: Record<string, string>, command: string): Promise<ByHand> {
  const hand = await runByHand(inputs, command);
  scratch.push(hand);
  return hand;
}

/** The job's outputs are fastp's by hand: reads as bytes, reports without the run's own facts. */
async function expectSameAsByHand(result: ToolResult, hand: ByHand, reads: string[]): Promise<void> {
  expect(result.files.map((f) => f.name)).toEqual([...reads, 'fastp.json', 'fastp.html']);
  for (const name of reads) expect((await fs.readFile(outputPath(result, name))).equals(await hand.file(name)), name).toBe(true);
  expect(await fastpJsonWithout(outputPath(result, 'fastp.json'))).toEqual(await fastpJsonWithout(path.join(hand.dir, 'fastp.json')));
  expect(await fastpHtmlWithoutRunFacts(outputPath(result, 'fastp.html'))).toBe(await fastpHtmlWithoutRunFacts(path.join(hand.dir, 'fastp.html')));
}

/** The environment of the first process named `tool` seen working under `root` before `until` settles. */
async function environmentOfToolWhile(root: string, tool: string, until: Promise<unknown>): Promise<string[] | undefined> {
  let settled = false;
  void until.finally(() => (settled = true)).catch(() => {});
  while (!settled) {
    // Past its prlimit wrapper, the same process runs the tool itself.
    const found = (await processesWithCwdUnder(root)).find((p) => p.cmd.split(' ')[0] === tool);
    const environ = found && (await fs.readFile(`/proc/${found.pid}/environ`, 'utf8').catch(() => undefined));
    if (environ !== undefined) return environ.split('\0');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

/** What the summary must say, read from a fastp.json written by hand. */
async function summaryFrom(hand: ByHand) {
  const report = JSON.parse(String(await hand.file('fastp.json')));
  const pct = (rate: number) => Math.round(rate * 10000) / 100;
  const stage = (s: Record<string, number>) => ({
    reads: s.total_reads,
    bases: s.total_bases,
    q20_percent: pct(s.q20_rate!),
    q30_percent: pct(s.q30_rate!),
    gc_percent: pct(s.gc_content!),
    read1_mean_length: s.read1_mean_length,
    ...(s.read2_mean_length === undefined ? {} : { read2_mean_length: s.read2_mean_length }),
  });
  const f = report.filtering_result;
  return {
    sequencing: report.summary.sequencing,
    before_filtering: stage(report.summary.before_filtering),
    after_filtering: stage(report.summary.after_filtering),
    passed_filter_reads: f.passed_filter_reads,
    passed_filter_percent: Math.round((10000 * f.passed_filter_reads) / report.summary.before_filtering.total_reads) / 100,
    failed_filter_reads: { low_quality: f.low_quality_reads, too_many_N: f.too_many_N_reads, too_short: f.too_short_reads, too_long: f.too_long_reads },
    adapter_trimmed_reads: report.adapter_cutting?.adapter_trimmed_reads ?? 0,
    adapter_trimmed_bases: report.adapter_cutting?.adapter_trimmed_bases ?? 0,
    duplication_percent: pct(report.duplication.rate),
  };
}

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
  for (const hand of scratch) await hand.remove();
});

describe('fastp_async', { timeout: FASTP_TIMEOUT_MS }, () => {
  let lambda: ToolResult;
  let lambdaByHand: ByHand;

  it('trims the lambda pairs as fastp does by hand: the same reads, the same reports', async () => {
    const job = runTool(h, 'fastp', { reads_1: lambda1, reads_2: lambda2 });
    let environment: string[] | undefined;
    [lambdaByHand, lambda, environment] = await Promise.all([
      byHand(LAMBDA_INPUTS, 'fastp -i inputs/lambda_reads_1.fq.gz -I inputs/lambda_reads_2.fq.gz -o trimmed_1.fq.gz -O trimmed_2.fq.gz -w 1'),
      job,
      environmentOfToolWhile(h.config.workRoot, 'fastp', job),
    ]);
    // The job's fastp asked glibc for huge pages (tools/fastp.ts says why); the outputs below
    // are still those of fastp by hand, which ran without.
    expect(environment).toContain('GLIBC_TUNABLES=glibc.malloc.hugetlb=1');
    const argv = [
      'fastp', '-i', 'inputs/lambda_reads_1.fq.gz', '-I', 'inputs/lambda_reads_2.fq.gz', '-o', 'trimmed_1.fq.gz', '-O', 'trimmed_2.fq.gz',
      '-j', 'fastp.json', '-h', 'fastp.html', '-w', '1', '-V',
    ];
    expect(lambda.steps).toEqual([{ label: 'trimming', pipeline: [argv], stdout: null }]);
    expect(lambda.command).toEqual(argv);
    expect(lambda.tool_version).toBe('0.23.2');
    await expectSameAsByHand(lambda, lambdaByHand, ['trimmed_1.fq.gz', 'trimmed_2.fq.gz']);
  });

  it("summarises with the numbers of fastp's own JSON: 1,286 of 4,000 reads pass", async () => {
    expect(lambda.summary).toEqual(await summaryFrom(lambdaByHand));
    // What the fixtures' README promises for these reads, and what fastp printed.
    expect(lambda.summary).toMatchObject({
      sequencing: 'paired end (338 cycles + 330 cycles)',
      before_filtering: { reads: 4000, bases: 433161, q30_percent: 19.79 },
      after_filtering: { reads: 1286, bases: 145869, q30_percent: 25.76 },
      passed_filter_reads: 1286,
      passed_filter_percent: 32.15,
      failed_filter_reads: { low_quality: 2704, too_many_N: 10, too_short: 0, too_long: 0 },
      adapter_trimmed_reads: 0,
      duplication_percent: 0,
    });
  });

  it('trims the real Illumina 16S pairs: 960 of 1,000 reads pass, 13 % duplication', async () => {
    const [hand, result] = await Promise.all([
      byHand(ILLUMINA_INPUTS, 'fastp -i inputs/illumina16s_R1.fq.gz -I inputs/illumina16s_R2.fq.gz -o trimmed_1.fq.gz -O trimmed_2.fq.gz -w 1'),
      runTool(h, 'fastp', { reads_1: illumina1, reads_2: illumina2 }),
    ]);
    await expectSameAsByHand(result, hand, ['trimmed_1.fq.gz', 'trimmed_2.fq.gz']);
    expect(result.summary).toEqual(await summaryFrom(hand));
    expect(result.summary).toMatchObject({ passed_filter_reads: 960, failed_filter_reads: { low_quality: 38, too_many_N: 2 }, duplication_percent: 13 });
  });

  it('passes the settings a caller gives as the same fastp flags: paired Illumina reads, quality cut from the tail', async () => {
    const flags = '--detect_adapter_for_pe -l 150 -q 20 -u 30 --cut_tail -M 25';
    const [hand, result] = await Promise.all([
      byHand(ILLUMINA_INPUTS, `fastp -i inputs/illumina16s_R1.fq.gz -I inputs/illumina16s_R2.fq.gz -o trimmed_1.fq.gz -O trimmed_2.fq.gz ${flags} -w 1`),
      runTool(h, 'fastp', {
        reads_1: illumina1,
        reads_2: illumina2,
        detect_adapter_for_pe: true,
        length_required: 150,
        qualified_quality_phred: 20,
        unqualified_percent_limit: 30,
        cut_tail: true,
        cut_mean_quality: 25,
      }),
    ]);
    expect(result.command.join(' ')).toContain(`-h fastp.html ${flags} -w 1 -V`);
    await expectSameAsByHand(result, hand, ['trimmed_1.fq.gz', 'trimmed_2.fq.gz']);
    expect(result.summary).toEqual(await summaryFrom(hand));
    expect((result.summary.failed_filter_reads as Record<string, number>).too_short).toBeGreaterThan(0);
  });

  it('trims single-end reads with a given adapter and a 5\' quality cut; only trimmed_1.fq.gz is written', async () => {
    const [hand, result] = await Promise.all([
      byHand({ 'inputs/lambda_reads_1.fq.gz': lambda1 }, 'fastp -i inputs/lambda_reads_1.fq.gz -o trimmed_1.fq.gz -a AGATCGGAAGAGC -l 50 --cut_front -w 1'),
      runTool(h, 'fastp', { reads_1: lambda1, adapter_sequence: 'AGATCGGAAGAGC', length_required: 50, cut_front: true }),
    ]);
    expect(result.command).toEqual([
      'fastp', '-i', 'inputs/lambda_reads_1.fq.gz', '-o', 'trimmed_1.fq.gz', '-j', 'fastp.json', '-h', 'fastp.html',
      '-a', 'AGATCGGAAGAGC', '-l', '50', '--cut_front', '-w', '1', '-V',
    ]);
    await expectSameAsByHand(result, hand, ['trimmed_1.fq.gz']);
    expect(result.summary).toEqual({ ...(await summaryFrom(hand)), adapters: { read1: 'AGATCGGAAGAGC' } });
    expect(result.summary).toMatchObject({ sequencing: 'single end (338 cycles)', passed_filter_reads: 999, adapter_trimmed_reads: 3, adapter_trimmed_bases: 21 });
    expect(result.summary.before_filtering).not.toHaveProperty('read2_mean_length');
  });

  it('takes reads given as text', async () => {
    const text = '@one\nACGTACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIII\n@two\nACGTAC\n+\nIIIIII\n';
    const result = await runTool(h, 'fastp', { reads_1: text });
    expect(result.command.slice(0, 3)).toEqual(['fastp', '-i', 'inputs/reads_1.fq']);
    expect(result.summary).toMatchObject({ before_filtering: { reads: 2 }, passed_filter_reads: 1, failed_filter_reads: { too_short: 1 } });
  });

  it('gives the same trimmed reads and summary with two threads; fastp.json differs only in its insert-size sample', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      const result = await runTool(two, 'fastp', { reads_1: lambda1, reads_2: lambda2 });
      expect(result.command.slice(-3)).toEqual(['-w', '2', '-V']);
      for (const name of ['trimmed_1.fq.gz', 'trimmed_2.fq.gz']) {
        expect((await fs.readFile(outputPath(result, name))).equals(await fs.readFile(outputPath(lambda, name))), name).toBe(true);
      }
      expect(result.summary).toEqual(lambda.summary);
      const ours = outputPath(result, 'fastp.json');
      const one = outputPath(lambda, 'fastp.json');
      expect(await fastpJsonWithout(ours, ['insert_size'])).toEqual(await fastpJsonWithout(one, ['insert_size']));
      // Why insert_size is left out: with two threads, fastp histograms only the first thread's packs.
      expect((await fastpJsonWithout(ours)).insert_size).not.toEqual((await fastpJsonWithout(one)).insert_size);
    } finally {
      await two.close();
    }
  });
});

describe("fastp_async's progress", { timeout: FASTP_TIMEOUT_MS }, () => {
  // A million reads of one base: the smallest input on which fastp -V logs a "loaded 1M reads" line.
  // Only the -V lines are read from these runs by hand: they ask for huge pages as the job's
  // fastp does, which halves the CPU spent clearing fastp's table and changes no line.
  const HUGE_PAGES = 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1';
  const million = async (name: string) => {
    const file = path.join(h.inputsDir, name);
    await fs.writeFile(file, '@r\nA\n+\nI\n'.repeat(1_050_000));
    return file;
  };
  const spec = (args: Record<string, unknown>) => {
    const params = fastp.input.parse(args);
    const step = fastp.steps(params, { input: (p) => `inputs/${p}.fq`, inputs: () => [], has: (p) => p in args, index: () => '', threads: 1 })[0]!;
    return step.progress!;
  };
  // Feeds the text in uneven chunks, as a pipe delivers it.
  const track = (progress: ReturnType<typeof spec>, stderr: string) => {
    const tracker = progress.tracker(() => []);
    for (let i = 0, size = 7; i < stderr.length; i += size, size = (size * 13) % 101 + 1) tracker.feed(stderr.slice(i, i + size));
    return tracker.done();
  };

  it("counts the reads of reads_1 fastp -V says it has loaded (single-end)", async () => {
    const reads = await million('million.fq');
    const hand = await byHand({ 'inputs/reads_1.fq': reads }, `${HUGE_PAGES} fastp -i inputs/reads_1.fq -o trimmed_1.fq.gz -w 1 -V 2> stderr.txt`);
    const stderr = String(await hand.file('stderr.txt'));
    expect(stderr).toMatch(/^\[\d\d:\d\d:\d\d\] loaded 1M reads $/m);
    const progress = spec({ reads_1: reads });
    expect(progress).toMatchObject({ from: 'stderr', of: { inputs: ['reads_1'], count: 'records' }, unit: 'reads' });
    expect(track(progress, stderr)).toBe(1_000_000);
  });

  it("counts Read1's lines only for pairs", async () => {
    const reads = await million('million_2.fq');
    const hand = await byHand({ 'inputs/reads_1.fq': reads, 'inputs/reads_2.fq': reads }, `${HUGE_PAGES} fastp -i inputs/reads_1.fq -I inputs/reads_2.fq -o trimmed_1.fq.gz -O trimmed_2.fq.gz -w 1 -V 2> stderr.txt`);
    const stderr = String(await hand.file('stderr.txt'));
    expect(stderr).toMatch(/^\[\d\d:\d\d:\d\d\] Read1: loaded 1M reads $/m);
    expect(stderr).toMatch(/^\[\d\d:\d\d:\d\d\] Read2: loaded 1M reads $/m);
    expect(track(spec({ reads_1: reads, reads_2: reads }), stderr)).toBe(1_000_000);
  });
});

describe('fastp_async on bad input', () => {
  it('refuses a read file cut short before fastp runs (fastp would exit 0), once, naming the field', async () => {
    const failed = await runToolToFailure(h, 'fastp', { reads_1: path.join(FIXTURES, 'bad', 'truncated.fq') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads_1',
      message: 'reads_1: record 2 (r2) at line 5 is cut short: the file ends after its sequence line, without the "+" line and quality',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses a FASTQ whose quality and sequence lengths differ (fastp would say ERROR and exit 0)', async () => {
    const failed = await runToolToFailure(h, 'fastp', { reads_1: lambda1, reads_2: path.join(FIXTURES, 'bad', 'qual_mismatch.fq') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'reads_2', message: expect.stringMatching(/^reads_2: record 1 \(r1\), line 4: the quality has \d+ characters but the sequence has \d+/) });
    await expectNoWorkLeft(h);
  });

  it('refuses FASTA, plain text and an HMM profile as reads', async () => {
    const fasta = await runToolToFailure(h, 'fastp', { reads_1: path.join(FIXTURES, 'lambda_virus.fa') });
    expect(fasta.error).toMatchObject({ code: 'input_invalid', field: 'reads_1', message: 'reads_1: is FASTA, but this needs FASTQ' });
    const text = await runToolToFailure(h, 'fastp', { reads_1: lambda1, reads_2: path.join(FIXTURES, 'bad', 'not_fasta.txt') });
    expect(text.error).toMatchObject({ code: 'input_invalid', field: 'reads_2', message: 'reads_2: not FASTQ: line 1 should be a header starting with "@" but reads "this is not a FASTA file"' });
    const hmm = await runToolToFailure(h, 'fastp', { reads_1: path.join(FIXTURES, 'globins4.hmm') });
    expect(hmm.error.message).toBe('reads_1: is an HMMER profile, but this needs FASTQ');
    await expectNoWorkLeft(h);
  });

  it('refuses an empty read file at submit', async () => {
    const text = await callError(h.client, 'fastp_async', { reads_1: lambda1, reads_2: path.join(FIXTURES, 'bad', 'empty.fa') });
    expect(text).toBe(`input_invalid: reads_2: "${path.join(FIXTURES, 'bad', 'empty.fa')}" is an empty file`);
  });

  it('refuses mates of different lengths before fastp runs (fastp would pair what it could and exit 0)', async () => {
    const failed = await runToolToFailure(h, 'fastp', { reads_1: lambda1, reads_2: illumina2 });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'reads_2',
      message: 'reads_2: holds 500 reads but reads_1 holds 2000: the two files must hold the two mates of each pair, one for one and in the same order',
    });
    expect(failed.error).not.toHaveProperty('command');
    await expectNoWorkLeft(h);
  });

  it('refuses an adapter that is not bases', async () => {
    const text = await callError(h.client, 'fastp_async', { reads_1: lambda1, adapter_sequence: '-o /tmp/x' });
    expect(text).toBe(
      'MCP error -32602: Input validation error: Invalid arguments for tool fastp_async: must be 6-200 upper-case bases (A, C, G, T, N), e.g. "AGATCGGAAGAGC" at adapter_sequence',
    );
  });
});
