// bcftools_call through the MCP server on the lambda fixtures (reads aligned by bwa mem and
// sorted, by hand), against `bcftools mpileup -f ref.fa aln.bam | bcftools call -mv -Oz` typed by
// hand. Compared as records, not bytes: bcftools writes its command lines with the date into the
// VCF header (##bcftoolsCommand for mpileup, ##bcftools_callCommand), and mpileup writes the path
// it was given for the reference (##reference), ours being the cached FASTA; every other header
// line and every record is the same, and so is the job's -Ou pipe between the two. The stats
// report is compared byte for byte; the summary against bcftools' own counts on the hand run.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vcfPositionTracker } from '../../tools/vcf-position-progress.js';
import { runByHand, type ByHand } from '../support/by-hand.js';
import { vcfHeaderWithoutCommands, vcfRecords } from '../support/compare-outputs.js';
import { callError, callOk, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, outputPath, runTool, runToolToFailure, type ToolResult } from '../support/tool-jobs.js';

const reference = path.join(FIXTURES, 'lambda_virus.fa');
const reads1 = path.join(FIXTURES, 'lambda_reads_1.fq.gz');
const reads2 = path.join(FIXTURES, 'lambda_reads_2.fq.gz');
const CONTIG = 'gi|9626243|ref|NC_001416.1|';
const REGION = `${CONTIG}:1000-20000`;
/** sha256 of lambda_virus.fa (fixtures/SHA256SUMS): the cache folder of its indexes. */
const LAMBDA_SHA256 = '0a04f81952deb68c204e8ae67e0573cb97d348f18ab1b527630d57c294028cf5';

let h: Harness;
let hand: ByHand;
/** The hand run's BAM, in the harness's input folder under the same name. */
let bam: string;
let cached: string;

async function bcftools(args: string[]): Promise<string> {
  return (await execa('bcftools', args, { stdin: 'ignore' })).stdout;
}
const lineCount = (text: string) => (text === '' ? 0 : text.split('\n').length);
const withoutReferenceLine = (header: string) => header.split('\n').filter((l) => !l.startsWith('##reference=')).join('\n');
const commandLines = async (file: string) =>
  (await bcftools(['view', '--no-version', '-h', file])).split('\n').filter((l) => /^##bcftools(_call)?Command=/.test(l)).map((l) => l.replace(/; Date=.*$/, ''));

beforeAll(async () => {
  h = await startHarness();
  cached = path.join(h.config.dbDir, 'indexes', LAMBDA_SHA256, 'reference.fa');
  hand = await runByHand(
    { 'inputs/lambda_virus.fa': reference, 'reads_1.fq.gz': reads1, 'reads_2.fq.gz': reads2 },
    [
      'bwa index inputs/lambda_virus.fa',
      'bwa mem -K 10000000 -t 1 inputs/lambda_virus.fa reads_1.fq.gz reads_2.fq.gz | samtools sort -o inputs/aligned.bam -',
      'samtools faidx inputs/lambda_virus.fa',
      'bcftools mpileup -f inputs/lambda_virus.fa inputs/aligned.bam | bcftools call -mv -Oz -o calls.vcf.gz',
      'bcftools index calls.vcf.gz',
      'bcftools stats -s - calls.vcf.gz > calls.stats.txt',
      'samtools index inputs/aligned.bam',
      `bcftools mpileup -f inputs/lambda_virus.fa -r '${REGION}' inputs/aligned.bam | bcftools call -mv -Oz -o region.vcf.gz`,
      // For the bad-input cases: the same alignments unsorted, as SAM, and renamed onto a contig lambda_virus.fa lacks.
      'bwa mem -K 10000000 -t 1 inputs/lambda_virus.fa reads_1.fq.gz | samtools view -b -o unsorted.bam -',
      'samtools view -h -o aligned.sam inputs/aligned.bam',
      "samtools view -h inputs/aligned.bam | sed 's/gi|9626243|ref|NC_001416.1|/other_contig/g' | samtools view -b -o other_reference.bam -",
    ].join('\n'),
  );
  bam = path.join(h.inputsDir, 'aligned.bam');
  await fs.copyFile(path.join(hand.dir, 'inputs', 'aligned.bam'), bam);
});

afterAll(async () => {
  await h?.close();
  await hand?.remove();
});

describe('bcftools_call_async', () => {
  let first: ToolResult;

  it('calls the variants bcftools mpileup | bcftools call -mv gives by hand on the lambda alignments', async () => {
    first = await runTool(h, 'bcftools_call', { reference, alignments: bam });
    const mpileup = ['bcftools', 'mpileup', '-Ou', '-f', cached, 'inputs/aligned.bam'];
    expect(first.steps).toEqual([
      { label: 'calling', pipeline: [mpileup, ['bcftools', 'call', '-mv', '-Oz', '-o', 'calls.vcf.gz']], stdout: null },
      { label: 'indexing the calls', pipeline: [['bcftools', 'index', 'calls.vcf.gz']], stdout: null },
      { label: 'counting', pipeline: [['bcftools', 'stats', '-s', '-', 'calls.vcf.gz']], stdout: 'calls.stats.txt' },
    ]);
    expect(first.command).toEqual(mpileup);
    expect(first.tool_version).toMatch(/^bcftools 1\.\d+, samtools 1\.\d+/);
    expect(first.files.map((f) => f.name)).toEqual(['calls.vcf.gz', 'calls.vcf.gz.csi', 'calls.stats.txt']);

    const ours = outputPath(first, 'calls.vcf.gz');
    const theirs = path.join(hand.dir, 'calls.vcf.gz');
    expect(await vcfRecords(ours)).toBe(await vcfRecords(theirs));
    expect(lineCount(await vcfRecords(ours))).toBe(84);
    expect(withoutReferenceLine(await vcfHeaderWithoutCommands(ours))).toBe(withoutReferenceLine(await vcfHeaderWithoutCommands(theirs)));
    // The sample is named after the BAM as bcftools was given it, in both runs.
    expect((await vcfHeaderWithoutCommands(ours)).split('\n').at(-1)).toBe('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tinputs/aligned.bam');
    // What differs: the reference's path, and the command lines.
    expect((await vcfHeaderWithoutCommands(ours)).split('\n')).toContain(`##reference=file://${cached}`);
    expect((await vcfHeaderWithoutCommands(theirs)).split('\n')).toContain('##reference=file://inputs/lambda_virus.fa');
    expect(await commandLines(ours)).toEqual([`##bcftoolsCommand=mpileup -Ou -f ${cached} inputs/aligned.bam`, '##bcftools_callCommand=call -mv -Oz -o calls.vcf.gz']);
    expect(await commandLines(theirs)).toEqual(['##bcftoolsCommand=mpileup -f inputs/lambda_virus.fa inputs/aligned.bam', '##bcftools_callCommand=call -mv -Oz -o calls.vcf.gz']);

    // The stats report names only the file and its own command line: the same bytes.
    expect(await fs.readFile(outputPath(first, 'calls.stats.txt'))).toEqual(await hand.file('calls.stats.txt'));
    // The index is a real one for this VCF.
    expect(await bcftools(['index', '-s', ours])).toBe(`${CONTIG}\t48502\t84`);
  });

  it("summarises with bcftools' own counts on the hand run: types, Ts/Tv, genotypes, first records", async () => {
    const theirs = path.join(hand.dir, 'calls.vcf.gz');
    const ofType = async (type: string) => lineCount(await bcftools(['view', '-H', '-v', type, theirs]));
    const withGenotype = async (gt: string) => lineCount(await bcftools(['view', '-H', '-i', `GT="${gt}"`, theirs]));
    const tstv = String(await hand.file('calls.stats.txt')).split('\n').find((l) => l.startsWith('TSTV\t'))!.split('\t');
    const firstFive = (await bcftools(['query', '-f', '%CHROM\t%POS\t%REF\t%ALT\t%QUAL[\t%GT]\n', theirs])).split('\n').slice(0, 5);
    expect(first.summary).toEqual({
      records: lineCount(await vcfRecords(theirs)),
      snps: await ofType('snps'),
      mnps: await ofType('mnps'),
      indels: await ofType('indels'),
      others: await ofType('other'),
      multiallelic_sites: lineCount(await bcftools(['view', '-H', '-m3', theirs])),
      transitions: Number(tstv[2]),
      transversions: Number(tstv[3]),
      ts_tv: Number(tstv[4]),
      samples: [{ name: 'inputs/aligned.bam', hom_alt: await withGenotype('AA'), het: await withGenotype('het') }],
      first_records: firstFive.map((line) => {
        const [chrom, pos, ref, alt, qual, ...gt] = line.split('\t');
        return { chrom, pos: Number(pos), ref, alt, qual: Number(qual), gt };
      }),
    });
    // What the fixtures' README promises for these reads.
    expect(first.summary).toMatchObject({ records: 84, samples: [{ hom_alt: 83, het: 1 }] });
    expect(first.summary).toMatchObject({ snps: 34, indels: 50, ts_tv: 0.21 });
  });

  it('builds the FASTA index once: the first job built it, the second reuses it', async () => {
    expect(first.indexes).toEqual([{ input: 'reference', kind: 'faidx', variant: null, sha256: LAMBDA_SHA256, reused: false, build_seconds: expect.any(Number) }]);
    const second = await runTool(h, 'bcftools_call', { reference, alignments: bam });
    expect(second.indexes).toEqual([{ input: 'reference', kind: 'faidx', variant: null, sha256: LAMBDA_SHA256, reused: true, build_seconds: null }]);
    const cache = path.dirname(cached);
    expect((await fs.readdir(cache)).sort()).toEqual(['faidx.index.json', 'reference.fa', 'reference.fa.fai']);
    expect(await fs.readFile(`${cached}.fai`)).toEqual(await hand.file('inputs/lambda_virus.fa.fai'));
    const listed = await callOk<{ indexes: Record<string, unknown>[] }>(h.client, 'list_databases');
    const size = (await fs.stat(`${cached}.fai`)).size;
    expect(listed.indexes).toEqual([{ kind: 'faidx', variant: null, source_name: 'lambda_virus.fa', sha256: LAMBDA_SHA256, size_bytes: size, built_at: expect.any(String) }]);
  });

  it('calls one region as bcftools mpileup -r does by hand, after checking the region and indexing the BAM in the work dir', async () => {
    const result = await runTool(h, 'bcftools_call', { reference, alignments: bam, region: REGION });
    const mpileup = ['bcftools', 'mpileup', '-Ou', '-f', cached, '-r', REGION, 'inputs/aligned.bam'];
    expect(result.steps).toEqual([
      { label: 'checking the region', pipeline: [['samtools', 'faidx', '-c', cached, REGION]], stdout: null },
      { label: 'indexing the alignments', pipeline: [['samtools', 'index', 'inputs/aligned.bam']], stdout: null },
      { label: 'calling', pipeline: [mpileup, ['bcftools', 'call', '-mv', '-Oz', '-o', 'calls.vcf.gz']], stdout: null },
      { label: 'indexing the calls', pipeline: [['bcftools', 'index', 'calls.vcf.gz']], stdout: null },
      { label: 'counting', pipeline: [['bcftools', 'stats', '-s', '-', 'calls.vcf.gz']], stdout: 'calls.stats.txt' },
    ]);
    // The job's own command is bcftools', not the steps that prepare for it.
    expect(result.command).toEqual(mpileup);
    const records = await vcfRecords(outputPath(result, 'calls.vcf.gz'));
    expect(records).toBe(await vcfRecords(path.join(hand.dir, 'region.vcf.gz')));
    const positions = records.split('\n').map((r) => Number(r.split('\t')[1]));
    expect(positions.length).toBeGreaterThan(0);
    expect(positions.every((p) => p >= 1000 && p <= 20000)).toBe(true);
    expect(result.summary.records).toBe(positions.length);
    // Nothing was written beside the caller's BAM: the index lived in the work dir, now gone.
    expect(await fs.readdir(h.inputsDir)).toEqual(['aligned.bam']);
    await expectNoWorkLeft(h);
  });

  it('runs the same commands and gives the same records with two threads as with one', async () => {
    const two = await startHarness({ env: { BIO_QUEUE_TOOL_THREADS: '2' } });
    try {
      await fs.copyFile(bam, path.join(two.inputsDir, 'aligned.bam'));
      const result = await runTool(two, 'bcftools_call', { reference, alignments: path.join(two.inputsDir, 'aligned.bam') });
      // Neither mpileup nor call works in threads (call's --threads only compresses, and the
      // variant-only output is small): the commands are the same but for the cache folder.
      expect(JSON.stringify(result.steps).replaceAll(two.config.dbDir, h.config.dbDir)).toBe(JSON.stringify(first.steps));
      expect(await vcfRecords(outputPath(result, 'calls.vcf.gz'))).toBe(await vcfRecords(outputPath(first, 'calls.vcf.gz')));
    } finally {
      await two.close();
    }
  });

  it('calls variants on the BAM of a bwa_mem job given as job://<id>/aligned.bam ("now call variants on that")', async () => {
    const aligned = await runTool(h, 'bwa_mem', { reference, reads_1: reads1, reads_2: reads2 });
    const called = await runTool(h, 'bcftools_call', { reference, alignments: `job://${aligned.job_id}/aligned.bam` });
    expect(called.command).toEqual(['bcftools', 'mpileup', '-Ou', '-f', cached, 'inputs/aligned.bam']);
    expect(await vcfRecords(outputPath(called, 'calls.vcf.gz'))).toBe(await vcfRecords(path.join(hand.dir, 'calls.vcf.gz')));
    expect(called.summary).toEqual(first.summary);
  });
});

describe('bcftools_call progress', () => {
  // bcftools prints nothing while it calls: the tracker follows the positions in its VCF.
  const textOf = async (name: string) => gunzipSync(await hand.file(name)).toString('utf8');
  const lastPosition = (text: string) => Number(text.trimEnd().split('\n').at(-1)!.split('\t')[1]);
  const feedInPieces = (text: string, tracker: ReturnType<typeof vcfPositionTracker>) => {
    for (let i = 0; i < text.length; i += 777) tracker.feed(text.slice(i, i + 777));
  };

  it("counts the reference bases behind the last record bcftools wrote, against the reference's length from the header", async () => {
    const text = await textOf('calls.vcf.gz');
    const tracker = vcfPositionTracker(undefined);
    tracker.feed(text.slice(0, text.indexOf('#CHROM')));
    // The header's contig lines are in, but the header is not over: no total yet.
    expect(tracker.total!()).toBeUndefined();
    feedInPieces(text.slice(text.indexOf('#CHROM')), tracker);
    expect(tracker.total!()).toBe(48502);
    expect(tracker.done()).toBe(lastPosition(text));
  });

  it('counts from the start of the region, against its length, with the contig named plainly or in braces', async () => {
    const text = await textOf('region.vcf.gz');
    for (const region of [REGION, `{${CONTIG}}:1000-20000`]) {
      const tracker = vcfPositionTracker(region);
      feedInPieces(text, tracker);
      expect(tracker.total!()).toBe(20000 - 1000 + 1);
      expect(tracker.done()).toBe(lastPosition(text) - 1000 + 1);
    }
    const whole = vcfPositionTracker(CONTIG);
    feedInPieces(text, whole);
    expect([whole.done(), whole.total!()]).toEqual([lastPosition(text), 48502]);
    const end = vcfPositionTracker(`${CONTIG}:47000-`);
    feedInPieces(text, end);
    expect(end.total!()).toBe(48502 - 47000 + 1);
  });
});

describe('bcftools_call_async on bad input', () => {
  const inInputs = async (name: string, bytes?: Buffer) => {
    const file = path.join(h.inputsDir, name);
    await fs.writeFile(file, bytes ?? (await hand.file(name)));
    return file;
  };

  it("blames an unsorted BAM, once, with bcftools' own line (mpileup exits 0 on it)", async () => {
    const unsorted = await inInputs('unsorted.bam');
    const failed = await runToolToFailure(h, 'bcftools_call', { reference, alignments: unsorted });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message: 'alignments: the BAM is not sorted by coordinate (samtools sort makes it so; bwa_mem_async writes it sorted) (bcftools: [E::bam_plp_push] The input is not sorted (reads out of order))',
      exit_code: 0,
    });
    // With a region, samtools index is first to find out.
    const indexed = await runToolToFailure(h, 'bcftools_call', { reference, alignments: unsorted, region: REGION });
    expect(indexed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message: 'alignments: the BAM is not sorted by coordinate (samtools sort makes it so; bwa_mem_async writes it sorted) (samtools: [E::hts_idx_push] Unsorted positions on sequence #1: 18401 followed by 8890)',
      command: ['samtools', 'index', 'inputs/unsorted.bam'],
    });
    await expectNoWorkLeft(h);
  });

  it('blames alignments made against another reference (bcftools would call every position against N, exit 0)', async () => {
    const failed = await runToolToFailure(h, 'bcftools_call', { reference, alignments: await inInputs('other_reference.bam') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message: 'alignments: its reads are aligned to a contig the reference does not have; were they aligned to another reference? (bcftools: [E::faidx_adjust_position] The sequence "other_contig" was not found)',
    });
    await expectNoWorkLeft(h);
  });

  it("refuses a region outside the reference with bcftools' own message, and one past the end of its contig with samtools'", async () => {
    const unknown = await runToolToFailure(h, 'bcftools_call', { reference, alignments: bam, region: 'chrX:1-100' });
    expect(unknown.attempts).toBe(1);
    expect(unknown.error).toMatchObject({
      code: 'input_invalid',
      field: 'region',
      message: 'region: "chrX:1-100" names a contig that is not in the alignments\' reference (bcftools: [E::mpileup] the sequence "chrX" not found: inputs/aligned.bam)',
    });
    // bcftools calls nothing there and says nothing; samtools faidx, reading the same .fai, does.
    const pastEnd = await runToolToFailure(h, 'bcftools_call', { reference, alignments: bam, region: `${CONTIG}:60000-70000` });
    expect(pastEnd.error).toMatchObject({
      code: 'input_invalid',
      field: 'region',
      message: `region: "${CONTIG}:60000-70000" starts past the end of its contig (samtools: [faidx] Zero length sequence: ${CONTIG}:60000-70000)`,
    });
    const backwards = await runToolToFailure(h, 'bcftools_call', { reference, alignments: bam, region: `${CONTIG}:100-50` });
    expect(backwards.error).toMatchObject({
      code: 'input_invalid',
      field: 'region',
      message: `region: bcftools cannot read "${CONTIG}:100-50" as a region (bcftools: [E::mpileup] fail to parse region '${CONTIG}:100-50')`,
    });
    await expectNoWorkLeft(h);
  });

  it('refuses more than one region, or one that would read as an option, at submit', async () => {
    const rule =
      'must be one region: CONTIG, CONTIG:POS, CONTIG:START-END or CONTIG:START- (a contig name with ":" in braces, {NAME}:START-END), without spaces or commas, not starting with "-"';
    for (const region of [`${CONTIG}:1-10,${CONTIG}:30-40`, '-r', 'chr1 chr2']) {
      expect(await callError(h.client, 'bcftools_call_async', { reference, alignments: bam, region })).toBe(
        `MCP error -32602: Input validation error: Invalid arguments for tool bcftools_call_async: ${rule} at region`,
      );
    }
  });

  it('refuses alignments that are not a whole BAM before bcftools runs, naming the field', async () => {
    const whole = await fs.readFile(bam);
    const cases: [string, string][] = [
      [await inInputs('cut.bam', whole.subarray(0, 100_000)), "alignments: the BAM's BGZF data is truncated or corrupt (unexpected end of file)"],
      [await inInputs('aligned.sam'), 'alignments: is SAM, but this needs BAM'],
      [path.join(FIXTURES, 'bad', 'truncated.fq'), 'alignments: is FASTQ, but this needs BAM'],
      [path.join(FIXTURES, 'bad', 'not_fasta.txt'), 'alignments: not BAM: the data does not start with "BAM\\1" once BGZF-decompressed'],
      [reference, 'alignments: is FASTA, but this needs BAM'],
    ];
    for (const [alignments, message] of cases) {
      const failed = await runToolToFailure(h, 'bcftools_call', { reference, alignments });
      expect(failed.attempts).toBe(1);
      expect(failed.error).toEqual({ code: 'input_invalid', field: 'alignments', message });
    }
    await expectNoWorkLeft(h);
  });

  it('refuses a protein, FASTQ or malformed reference', async () => {
    const cases: [string, string | RegExp][] = [
      [path.join(FIXTURES, 'globins45.fa'), /^reference: record 1 \(MYG_ESCGI\) looks like protein, not nucleotide/],
      [reads1, 'reference: is FASTQ, but this needs FASTA'],
      [path.join(FIXTURES, 'bad', 'bad_chars.fa'), 'reference: record 2 (seq2), line 4, column 7: "1" is not allowed in a sequence; use IUPAC letters, "-" or "*"'],
    ];
    for (const [ref, message] of cases) {
      const failed = await runToolToFailure(h, 'bcftools_call', { reference: ref, alignments: bam });
      expect(failed.attempts).toBe(1);
      expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'reference', message: typeof message === 'string' ? message : expect.stringMatching(message) });
    }
    await expectNoWorkLeft(h);
  });

  it('refuses an empty or missing file, and SAM text, at submit', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, 'bcftools_call_async', { reference, alignments: empty })).toBe(`input_invalid: alignments: "${empty}" is an empty file`);
    expect(await callError(h.client, 'bcftools_call_async', { reference: empty, alignments: bam })).toBe(`input_invalid: reference: "${empty}" is an empty file`);
    const missing = path.join(h.inputsDir, 'missing.bam');
    expect(await callError(h.client, 'bcftools_call_async', { reference, alignments: missing })).toBe(`input_invalid: alignments: no such file: "${missing}"`);
    const sam = String(await hand.file('aligned.sam')).split('\n').slice(0, 10).join('\n');
    expect(await callError(h.client, 'bcftools_call_async', { reference, alignments: sam })).toBe('input_invalid: alignments: is SAM, but this needs BAM');
  });
});
