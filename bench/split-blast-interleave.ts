// Can split-query BLAST deal a query's records out in turn (interleaved parts) instead of cutting
// it into contiguous parts (issue 9)? Interleaved parts hold the same mix of queries, so they
// would take equal time where contiguous parts balanced by letters do not (a hit-rich stretch of
// the file costs more a query). This bench answers with the real workload of
// ../shared/fixtures/make_blastn_bench.sh (reads26k.fa against lepto_lambda, -task blastn,
// tabular), each layout's parts searched at once with one thread each:
//   contiguous      what split 2 cuts today (splitQuery, letters + 240 a query), merged by
//                   mergeSearchOutputs;
//   in turn, runs of R   record i to part floor(i / R) mod n. The ids repeat in this query
//                   (r1 is three records), so each part's ids are tagged with the record's place
//                   ("r1.bq40000") and the parts' lines merged back by that place, tag removed;
//                   BLAST+ prints query ids verbatim (checked by hand for 60 id shapes).
// For each: every part's CPU time (user + sys from /usr/bin/time, what load from elsewhere moves
// least), max ÷ mean of them (the balance), the wall time, and the merged output against the
// unsplit one: the same bytes, or the lines lost and gained and the queries they belong to.
// Then why: a query's weak hits depend on the query that follows it in BLAST's batch — r590's
// 13-letter hit (E 7.0) is there only when r591 follows it, so a cut right after r590 loses it.
//
//   npm run build && node dist/bench/split-blast-interleave.js [--parts 2] [--runs-of 1,100] [--workload DIR]
//
// Pinned: the query must hold 26,000 records, the unsplit output must have the sha256 the
// workload script gives (206,426 lines), and the neighbour check must find r590's hit where it
// should, or the run stops. The workload is the one bench/split-blast.ts builds.
import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { packageRoot } from '../src/package-info.js';
import { mergeSearchOutputs } from '../worker/merge-search-outputs.js';
import { splitQuery } from '../worker/split-query.js';
import { check, progress, sha256 } from './support/bench-checks.js';
import { BENCH_DATABASE, READS26K_HITS_SHA256 } from './support/blastn-bench-workload.js';

const QUERY = 'reads26k.fa';
const QUERY_RECORDS = 26_000;
const TAG = '.bq';

interface FastaRecord {
  id: string;
  rest: string;
  /** The record's sequence lines, each with its "\n". */
  body: string;
}

async function readRecords(file: string): Promise<FastaRecord[]> {
  const records: FastaRecord[] = [];
  for await (const line of readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (line.startsWith('>')) {
      const space = line.search(/\s/);
      records.push({ id: space < 0 ? line.slice(1) : line.slice(1, space), rest: space < 0 ? '' : line.slice(space), body: '' });
    } else records.at(-1)!.body += `${line}\n`;
  }
  return records;
}

const fasta = (records: Iterable<FastaRecord>, tagOf?: (r: FastaRecord) => string) =>
  [...records].map((r) => `>${r.id}${tagOf ? tagOf(r) : ''}${r.rest}\n${r.body}`).join('');

interface PartRun {
  wallMs: number;
  /** user + sys of each part's blastn. */
  cpuMs: number[];
}

// The parts' blastn at once, one thread each, each timed by /usr/bin/time.
async function searchParts(workload: string, queries: string[]): Promise<PartRun> {
  const start = performance.now();
  const cpuMs = await Promise.all(
    queries.map(async (query) => {
      const argv = ['-f', '%U %S', 'blastn', '-task', 'blastn', '-query', query, '-db', BENCH_DATABASE, '-outfmt', '6', '-num_threads', '1', '-out', `${query}.tsv`];
      const { stderr } = await execa('/usr/bin/time', argv, { cwd: workload });
      const [user, sys] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      check(Number.isFinite(user) && Number.isFinite(sys), `/usr/bin/time gave no CPU times: ${stderr}`);
      return (user! + sys!) * 1000;
    }),
  );
  return { wallMs: performance.now() - start, cpuMs };
}

// Lines of the unsplit output that the merged one lacks, and lines it has in excess (as multisets).
function difference(unsplit: string[], merged: string[]): { lost: string[]; gained: string[] } {
  const count = new Map<string, number>();
  for (const line of unsplit) count.set(line, (count.get(line) ?? 0) + 1);
  const gained: string[] = [];
  for (const line of merged) {
    const n = count.get(line) ?? 0;
    if (n === 0) gained.push(line);
    else count.set(line, n - 1);
  }
  const lost = [...count].flatMap(([line, n]) => Array<string>(n).fill(line));
  return { lost, gained };
}

const linesOf = async (file: string) => (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);

interface LayoutResult {
  label: string;
  records: number[];
  run: PartRun;
  verdict: string;
}

async function judge(label: string, records: number[], run: PartRun, merged: string[], unsplit: string[]): Promise<LayoutResult> {
  const { lost, gained } = difference(unsplit, merged);
  const same = lost.length === 0 && gained.length === 0 && merged.join('\n') === unsplit.join('\n');
  let verdict = 'merged bytes = unsplit';
  if (!same) {
    const changed = [...lost, ...gained];
    const evalues = changed.map((l) => Number(l.split('\t')[10]));
    const queries = new Set(changed.map((l) => l.split('\t')[0]));
    verdict =
      lost.length + gained.length === 0
        ? 'same lines, another order'
        : `${lost.length} lines lost, ${gained.length} gained (${queries.size} query id${queries.size === 1 ? '' : 's'}; E ${Math.min(...evalues)}–${Math.max(...evalues)})`;
  }
  return { label, records, run, verdict };
}

async function contiguous(workload: string, scratch: string, parts: number, unsplit: string[]): Promise<LayoutResult> {
  const dir = path.join(scratch, 'contiguous');
  const queryParts = await splitQuery(path.join(workload, QUERY), dir, { parts, recordCost: 240 });
  const run = await searchParts(workload, queryParts.map((p) => p.path));
  const merged = path.join(dir, 'merged.tsv');
  await mergeSearchOutputs('tabular', queryParts.map((p) => `${p.path}.tsv`), merged);
  return judge('contiguous (split 2 today: letters + 240 a query)', queryParts.map((p) => p.records), run, await linesOf(merged), unsplit);
}

async function inTurn(workload: string, scratch: string, records: FastaRecord[], parts: number, runOf: number, unsplit: string[]): Promise<LayoutResult> {
  const dir = path.join(scratch, `turn-${runOf}`);
  await fs.mkdir(dir);
  const place = new Map<FastaRecord, number>(records.map((r, i) => [r, i]));
  const partOf = (i: number) => Math.floor(i / runOf) % parts;
  const files = Array.from({ length: parts }, (_, p) => path.join(dir, `part-${p + 1}.fa`));
  const counts = files.map(() => 0);
  for (const [p, file] of files.entries()) {
    const mine = records.filter((_, i) => partOf(i) === p);
    counts[p] = mine.length;
    await fs.writeFile(file, fasta(mine, (r) => `${TAG}${place.get(r)}`));
  }
  const run = await searchParts(workload, files);
  // Each part's lines come in its records' order: merge them by the place in the tag, then drop the tag.
  const tagged = (await Promise.all(files.map((f) => linesOf(`${f}.tsv`)))).flat();
  const placeOf = (line: string) => {
    const id = line.slice(0, line.indexOf('\t'));
    const at = id.lastIndexOf(TAG);
    check(at > 0, `a line without the tag: ${line}`);
    return Number(id.slice(at + TAG.length));
  };
  const keyed = tagged.map((line, order) => ({ line, order, place: placeOf(line) }));
  // Stable by place: lines of one record keep their order (they all come from one part).
  keyed.sort((x, y) => x.place - y.place || x.order - y.order);
  const merged = keyed.map(({ line }) => line.replace(/^([^\t]*)\.bq\d+\t/, '$1\t'));
  return judge(`in turn, runs of ${runOf} record${runOf === 1 ? '' : 's'} (ids tagged)`, counts, run, merged, unsplit);
}

// r590's weak hit is there only when r591 follows it in the batch.
async function neighbourCheck(workload: string, scratch: string, records: FastaRecord[]): Promise<string[]> {
  const hit = (line: string) => line.startsWith('r590\tNZ_AHMY02000051\t') && line.split('\t')[8] === '502503';
  const search = async (name: string, from: number, to: number) => {
    const file = path.join(scratch, `${name}.fa`);
    await fs.writeFile(file, fasta(records.slice(from, to)));
    await execa('blastn', ['-task', 'blastn', '-query', file, '-db', BENCH_DATABASE, '-outfmt', '6', '-num_threads', '1', '-out', `${file}.tsv`], { cwd: workload });
    return linesOf(`${file}.tsv`);
  };
  check(records[589]!.id === 'r590' && records[590]!.id === 'r591', 'records 590 and 591 of reads26k.fa are not r590 and r591');
  const whole = await search('r400-r800', 400, 800);
  const cut = [...(await search('r400-r590', 400, 590)), ...(await search('r591-r800', 590, 800))];
  const alone = await search('r590', 589, 590);
  const followed = await search('r590-r591', 589, 591);
  const preceded = await search('r589-r590', 588, 590);
  check(whole.some(hit) && followed.some(hit), 'r590 followed by r591 no longer finds its NZ_AHMY02000051 502503 hit: the check below would say nothing');
  const { lost, gained } = difference(whole, cut);
  return [
    `records r400–r800 (400 queries) searched whole: ${whole.length} lines; cut right after r590, the two parts' outputs one after the other: ${cut.length} lines (${lost.length} lost, ${gained.length} gained)`,
    ...lost.map((l) => `  lost: ${l}`),
    `r590 alone: hit ${alone.some(hit) ? 'found' : 'not found'}; r589 then r590: ${preceded.some(hit) ? 'found' : 'not found'}; r590 then r591: ${followed.some(hit) ? 'found' : 'not found'}`,
  ];
}

const s = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { parts: { type: 'string' }, 'runs-of': { type: 'string' }, workload: { type: 'string' } } });
  const parts = Number(values.parts ?? 2);
  const runsOf = (values['runs-of'] ?? '1,100').split(',').map(Number);
  check(Number.isInteger(parts) && parts >= 2, '--parts: a whole number from 2');
  check(runsOf.every((r) => Number.isInteger(r) && r >= 1), '--runs-of: whole numbers from 1, comma-separated');
  check(existsSync('/usr/bin/time'), '/usr/bin/time is missing: apt-get install -y time');
  const workload = path.resolve(values.workload ?? path.join(packageRoot(), '.bench-data', 'split-blast'));
  check(existsSync(path.join(workload, QUERY)), `${workload}/${QUERY} is missing: build the workload with npm run bench:split once`);
  const records = await readRecords(path.join(workload, QUERY));
  check(records.length === QUERY_RECORDS, `${QUERY} holds ${records.length} records, expected ${QUERY_RECORDS}`);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-interleave-'));
  const loadBefore = os.loadavg()[0]!;
  const results: LayoutResult[] = [];
  let neighbour: string[];
  try {
    progress('unsplit: blastn -num_threads 2…');
    const unsplitFile = path.join(scratch, 'unsplit.tsv');
    await execa('blastn', ['-task', 'blastn', '-query', path.join(workload, QUERY), '-db', BENCH_DATABASE, '-outfmt', '6', '-num_threads', '2', '-out', unsplitFile], { cwd: workload });
    check((await sha256(unsplitFile)) === READS26K_HITS_SHA256, 'the unsplit output sha256 is not the expected one');
    const unsplit = await linesOf(unsplitFile);
    progress(`contiguous: ${parts} parts at once…`);
    results.push(await contiguous(workload, scratch, parts, unsplit));
    for (const runOf of runsOf) {
      progress(`in turn, runs of ${runOf}: ${parts} parts at once…`);
      results.push(await inTurn(workload, scratch, records, parts, runOf, unsplit));
    }
    progress('neighbour check…');
    neighbour = await neighbourCheck(workload, scratch, records);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  const out = [
    `${QUERY} against ${BENCH_DATABASE}, blastn -task blastn -outfmt 6, ${parts} parts at once, 1 thread each; ${os.cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`,
    '',
    '| layout | records per part | CPU s per part (user + sys) | max ÷ mean CPU | wall s | output |',
    '|---|---|---|---:|---:|---|',
    ...results.map((r) => {
      const mean = r.run.cpuMs.reduce((a, b) => a + b, 0) / r.run.cpuMs.length;
      return `| ${r.label} | ${r.records.join(' / ')} | ${r.run.cpuMs.map(s).join(' / ')} | ${(Math.max(...r.run.cpuMs) / mean).toFixed(3)} | ${s(r.run.wallMs)} | ${r.verdict} |`;
    }),
    '',
    ...neighbour,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
