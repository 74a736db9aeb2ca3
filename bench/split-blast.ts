// Split-query BLAST by hand, the upper bound the queue's fan-out (issue 9) will be measured
// against: the blastn workload of ../shared/fixtures/make_blastn_bench.sh (reads26k.fa, 26,000
// reads, against lepto_lambda, -task blastn -outfmt 6) run (a) as `blastn -num_threads 2`,
// (b) split into parts by splitQuery, run as that many concurrent single-thread blastn
// processes, merged by mergeSearchOutputs, and (c) as `blastn -num_threads 1`. No queue, no
// Redis: processes and files only. Split and merge times are reported apart from the searches.
//
//   npm run bench:split                      (= npm run build && node dist/bench/split-blast.js)
//   node dist/bench/split-blast.js [--runs 1] [--parts 2] [--record-cost 240] [--workload DIR]
//
// (b) runs twice: parts balanced by letters alone (the issue's rule), then by letters plus
// --record-cost letters a query (0 leaves it out): blastn spends time per query as well.
//
// The workload is built once into .bench-data/split-blast/ (or --workload DIR) and reused. It
// needs `apt-get install -y ncbi-blast+ seqkit bowtie2-examples any2fasta-examples`.
// Pinned: the query must hold 26,000 records, and every output (unsplit and merged) must be the
// 206,426 lines whose sha256 the script gives; a run that computes anything else stops.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { packageRoot } from '../src/package-info.js';
import { mergeSearchOutputs } from '../worker/merge-search-outputs.js';
import { measureQuery, splitQuery } from '../worker/split-query.js';
import { check, progress, sha256 } from './support/bench-checks.js';
import { BENCH_DATABASE, READS26K_HITS_SHA256 } from './support/blastn-bench-workload.js';

const QUERY = 'reads26k.fa';
const DATABASE = BENCH_DATABASE;
const QUERY_RECORDS = 26_000;
// From make_blastn_bench.sh: hits.tsv of -task blastn -outfmt 6 (-mt_mode 0, any -num_threads).
const EXPECTED_SHA256 = READS26K_HITS_SHA256;
const INSTALL = 'apt-get install -y ncbi-blast+ seqkit bowtie2-examples any2fasta-examples';
const EXAMPLES = ['/usr/share/doc/bowtie2/examples/reads/reads_1.fq.gz', '/usr/share/doc/any2fasta/examples/test.gbk.gz'];

// Builds the workload with the shared script unless it is there already.
async function prepareWorkload(dir: string): Promise<void> {
  if (existsSync(path.join(dir, QUERY)) && existsSync(path.join(dir, `${DATABASE}.nin`))) return;
  const script = path.resolve(packageRoot(), '..', 'shared', 'fixtures', 'make_blastn_bench.sh');
  check(existsSync(script), `${script} not found: the workload script of ../shared/fixtures`);
  for (const file of EXAMPLES) check(existsSync(file), `${file} is missing; install the example data: ${INSTALL}`);
  progress(`building the workload in ${dir}…`);
  await execa('bash', [script, dir], { stderr: 'inherit' });
}

// The one command of every case: only the query, the output and the thread count change.
function blastnArgv(query: string, out: string, threads: number): string[] {
  return ['-task', 'blastn', '-query', query, '-db', DATABASE, '-outfmt', '6', '-num_threads', String(threads), '-out', out];
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

async function unsplit(workload: string, out: string, threads: number): Promise<number> {
  const { ms } = await timed(() => execa('blastn', blastnArgv(path.join(workload, QUERY), out, threads), { cwd: workload }));
  check((await sha256(out)) === EXPECTED_SHA256, `blastn -num_threads ${threads}: output sha256 is not the expected one`);
  return ms;
}

interface SplitTimes {
  splitMs: number;
  searchMs: number;
  mergeMs: number;
  totalMs: number;
  partLetters: number[];
  /** Each part's own search time: how evenly letters share out the work. */
  partMs: number[];
}

async function split(workload: string, scratch: string, parts: number, recordCost: number): Promise<SplitTimes> {
  const start = performance.now();
  const { ms: splitMs, value: queryParts } = await timed(() => splitQuery(path.join(workload, QUERY), path.join(scratch, 'parts'), { parts, recordCost }));
  check(queryParts.length === parts, `asked for ${parts} parts, got ${queryParts.length}`);
  const outputs = queryParts.map((p) => `${p.path}.tsv`);
  const partMs: number[] = [];
  const { ms: searchMs } = await timed(() =>
    Promise.all(
      queryParts.map(async (p, i) => {
        const { ms } = await timed(() => execa('blastn', blastnArgv(p.path, outputs[i]!, 1), { cwd: workload }));
        partMs[i] = ms;
      }),
    ),
  );
  const merged = path.join(scratch, 'merged.tsv');
  const { ms: mergeMs } = await timed(() => mergeSearchOutputs('tabular', outputs, merged));
  const totalMs = performance.now() - start;
  check((await sha256(merged)) === EXPECTED_SHA256, `split into ${parts}: merged output sha256 is not the unsplit one`);
  return { splitMs, searchMs, mergeMs, totalMs, partLetters: queryParts.map((p) => p.letters), partMs };
}

// The middle value; for an even count, the mean of the two middle ones.
function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const s = (ms: number) => (ms / 1000).toFixed(2);
const thousands = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, parts: { type: 'string' }, workload: { type: 'string' }, 'record-cost': { type: 'string' } } });
  const runs = Number(values.runs ?? 1);
  const parts = Number(values.parts ?? 2);
  const recordCost = Number(values['record-cost'] ?? 240);
  check(Number.isInteger(runs) && runs >= 1, '--runs: a whole number from 1');
  check(Number.isInteger(parts) && parts >= 1, '--parts: a whole number from 1');
  check(Number.isInteger(recordCost) && recordCost >= 0, '--record-cost: a whole number of letters from 0');
  for (const bin of ['blastn', 'makeblastdb', 'seqkit']) {
    const found = await execa('sh', ['-c', 'command -v "$1"', 'sh', bin], { reject: false });
    check(found.exitCode === 0, `${bin} is not on PATH; install: ${INSTALL}`);
  }
  const workload = path.resolve(values.workload ?? path.join(packageRoot(), '.bench-data', 'split-blast'));
  await prepareWorkload(workload);
  const measure = await measureQuery(path.join(workload, QUERY));
  check(measure.records === QUERY_RECORDS, `${QUERY} holds ${measure.records} records, expected ${QUERY_RECORDS}`);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-split-'));
  // Parts balanced by letters (the issue's rule), then by letters plus a cost per query.
  const costs = recordCost > 0 ? [0, recordCost] : [0];
  const threads2: number[] = [];
  const threads1: number[] = [];
  const splits: SplitTimes[][] = costs.map(() => []);
  const loadBefore = os.loadavg()[0]!;
  try {
    // Cases take turns run by run, so load from elsewhere on the machine falls on all of them alike.
    for (let run = 1; run <= runs; run++) {
      progress(`run ${run}/${runs}: blastn -num_threads 2…`);
      threads2.push(await unsplit(workload, path.join(scratch, 'threads2.tsv'), 2));
      for (const [i, cost] of costs.entries()) {
        progress(`run ${run}/${runs}: split into ${parts} (record cost ${cost}), ${parts} × blastn -num_threads 1, merge…`);
        splits[i]!.push(await split(workload, path.join(scratch, `split${run}-${cost}`), parts, cost));
      }
      progress(`run ${run}/${runs}: blastn -num_threads 1…`);
      threads1.push(await unsplit(workload, path.join(scratch, 'threads1.tsv'), 1));
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg()[0]!;
  const a = median(threads2);
  const c = median(threads1);
  const out = [
    `${QUERY} (${thousands(measure.records)} queries, ${thousands(measure.letters)} letters) against ${DATABASE}, blastn -task blastn -outfmt 6; ` +
      `${os.cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; median of ${runs} run(s), seconds`,
    '',
    '| case | wall s | (a) ÷ case | output |',
    '|---|---:|---:|---|',
    `| (a) blastn -num_threads 2 | ${s(a)} | 1.00× | sha256 as expected |`,
  ];
  costs.forEach((cost, i) => {
    const list = splits[i]!;
    const b = median(list.map((x) => x.totalMs));
    const label = cost === 0 ? 'letters' : `letters + ${cost} a query`;
    out.push(
      `| (b${i + 1}) split in ${parts} by ${label} (part letters ${list[0]!.partLetters.map(thousands).join(' / ')}), ${parts} × blastn -num_threads 1 at once, merged | ${s(b)} | ${(a / b).toFixed(2)}× | merged sha256 = unsplit |`,
      `|     of which: split | ${s(median(list.map((x) => x.splitMs)))} | | |`,
      `|     of which: the ${parts} searches at once (each part: ${list[0]!.partMs.map(s).join(' / ')} in run 1) | ${s(median(list.map((x) => x.searchMs)))} | | |`,
      `|     of which: merge | ${s(median(list.map((x) => x.mergeMs)))} | | |`,
    );
  });
  out.push(`| (c) blastn -num_threads 1 | ${s(c)} | ${(a / c).toFixed(2)}× | sha256 as expected |`);
  if (runs > 1) {
    const perRun = threads2.map((v, r) => [s(v), ...splits.map((list) => s(list[r]!.totalMs)), s(threads1[r]!)].join(' / '));
    out.push('', `each run (a / ${costs.map((_, i) => `b${i + 1}`).join(' / ')} / c): ${perRun.join('; ')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
