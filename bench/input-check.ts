// How fast checkInputFile reads a large FASTQ, plain and gzipped, and that its memory stays flat:
// each case runs in its own Node process so its peak RSS is its own. Next to it, the floors it
// cannot beat (reading + sha256; reading + gunzip + sha256) and the FASTA checker on the same
// reads, so the figures say what the checks themselves cost.
//
//   npm run build && node dist/bench/input-check.js [--records N] [--runs R]
//
// The inputs are generated once (deterministic pseudo-random 150 bp reads, gzip level 6) into
// .bench-data/input-check/ and reused; every run is checked to have counted exactly the records
// and bases written, so a broken checker cannot produce fast, meaningless figures.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { checkInputFile } from '../src/inputs/check-input.js';
import type { InputExpectation } from '../src/inputs/input-types.js';
import { packageRoot } from '../src/package-info.js';

const READ_LENGTH = 150;
/** About 500 MB of FASTQ: 1.6 M records of 318 bytes. */
const DEFAULT_RECORDS = 1_600_000;
const DEFAULT_RUNS = 3;
const BLOCK_RECORDS = 10_000;

type CaseName = 'floor-read-sha256' | 'fastq' | 'floor-gunzip-sha256' | 'fastq.gz' | 'fasta';
interface ChildResult {
  records: number;
  residues: number;
  bytes: number;
  seconds: number;
  peakRssMiB: number;
}

// Deterministic reads: "@read0000001", 150 bases (about 1 in 200 an N), "+", qualities "!".."J".
// Written byte by byte into one buffer per block: string building would take minutes here.
function* fastqBlocks(records: number, fasta: boolean): Generator<Buffer> {
  let seed = 0x2545f491;
  const recordBytes = fasta ? 1 + 11 + 1 + READ_LENGTH + 1 : 1 + 11 + 1 + READ_LENGTH + 1 + 2 + READ_LENGTH + 1;
  const bases = Buffer.from('ACGT');
  for (let start = 0; start < records; start += BLOCK_RECORDS) {
    const count = Math.min(records, start + BLOCK_RECORDS) - start;
    const block = Buffer.alloc(count * recordBytes);
    let p = 0;
    for (let r = start; r < start + count; r++) {
      block[p++] = fasta ? 0x3e : 0x40;
      p += block.write(`read${String(r + 1).padStart(7, '0')}\n`, p, 'latin1');
      const quality = p + READ_LENGTH + 3;
      for (let i = 0; i < READ_LENGTH; i++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        const x = seed >>> 0;
        block[p + i] = x % 200 === 0 ? 0x4e : bases[x & 3]!;
        if (!fasta) block[quality + i] = 0x21 + ((x >>> 8) % 42);
      }
      p += READ_LENGTH;
      block[p++] = 0x0a;
      if (!fasta) {
        block[p++] = 0x2b;
        block[p++] = 0x0a;
        p += READ_LENGTH;
        block[p++] = 0x0a;
      }
    }
    yield block;
  }
}

// Writes the inputs unless a previous run left them complete (the .done marker names the count).
async function prepareInputs(dir: string, records: number): Promise<Record<'fastq' | 'fastqGz' | 'fasta', string>> {
  const files = { fastq: path.join(dir, 'reads.fq'), fastqGz: path.join(dir, 'reads.fq.gz'), fasta: path.join(dir, 'reads.fa') };
  const marker = path.join(dir, `.done-${records}`);
  if (fs.existsSync(marker)) return files;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  process.stderr.write(`generating ${records} reads in ${dir} (once)…\n`);
  const plain = fs.createWriteStream(files.fastq);
  const gzip = zlib.createGzip({ level: 6 });
  const gzipDone = pipeline(gzip, fs.createWriteStream(files.fastqGz));
  for (const block of fastqBlocks(records, false)) {
    if (!plain.write(block)) await once(plain, 'drain');
    if (!gzip.write(block)) await once(gzip, 'drain');
  }
  plain.end();
  gzip.end();
  await Promise.all([once(plain, 'finish'), gzipDone]);
  await pipeline(fastqBlocks(records, true), fs.createWriteStream(files.fasta));
  fs.writeFileSync(marker, '');
  return files;
}

// One measurement, in this (child) process.
async function runCase(name: CaseName, file: string): Promise<ChildResult> {
  const reads: InputExpectation = { formats: ['fastq', 'fasta'], residues: 'nucleotide' };
  const started = process.hrtime.bigint();
  let counts: { records: number; residues: number; bytes: number };
  if (name === 'floor-read-sha256' || name === 'floor-gunzip-sha256') {
    const hash = createHash('sha256');
    let bytes = 0;
    const hashAll = async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.length;
      }
    };
    const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    if (name === 'floor-gunzip-sha256') await pipeline(source, zlib.createGunzip({ chunkSize: 1 << 16 }), hashAll);
    else await hashAll(source);
    hash.digest('hex');
    counts = { records: -1, residues: -1, bytes };
  } else {
    counts = await checkInputFile('reads', file, reads);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...counts, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string' }, runs: { type: 'string' }, child: { type: 'string' }, file: { type: 'string' } },
  });
  if (values.child) {
    process.stdout.write(JSON.stringify(await runCase(values.child as CaseName, values.file!)));
    return;
  }
  const records = Number(values.records ?? DEFAULT_RECORDS);
  const runs = Number(values.runs ?? DEFAULT_RUNS);
  const files = await prepareInputs(path.join(packageRoot(), '.bench-data', 'input-check'), records);
  const cases: [CaseName, string][] = [
    ['floor-read-sha256', files.fastq],
    ['fastq', files.fastq],
    ['floor-gunzip-sha256', files.fastqGz],
    ['fastq.gz', files.fastqGz],
    ['fasta', files.fasta],
  ];
  const results = new Map<CaseName, ChildResult[]>(cases.map(([name]) => [name, []]));
  // Cases take turns run by run, so load from elsewhere on the machine falls on all of them alike.
  for (let run = 0; run < runs; run++) {
    for (const [name, file] of cases) {
      const child = await execa(process.execPath, [fileURLToPath(import.meta.url), '--child', name, '--file', file]);
      const result = JSON.parse(child.stdout) as ChildResult;
      const fasta = name === 'fasta';
      const expected = { records, residues: records * READ_LENGTH };
      if (result.records !== -1 && (result.records !== expected.records || result.residues !== expected.residues)) {
        throw new Error(`${name}: counted ${result.records} records / ${result.residues} bases, expected ${expected.records} / ${expected.residues}${fasta ? ' (FASTA)' : ''}`);
      }
      results.get(name)!.push(result);
    }
  }
  process.stdout.write(`| case | content MB | MB/s (median of ${runs}) | s | peak RSS MiB (max) |\n|---|---:|---:|---:|---:|\n`);
  for (const [name, list] of results) {
    const seconds = median(list.map((r) => r.seconds));
    const mb = list[0]!.bytes / 1e6;
    const rss = Math.max(...list.map((r) => r.peakRssMiB));
    process.stdout.write(`| ${name} | ${mb.toFixed(0)} | ${(mb / seconds).toFixed(0)} | ${seconds.toFixed(2)} | ${rss.toFixed(0)} |\n`);
  }
}

await main();
