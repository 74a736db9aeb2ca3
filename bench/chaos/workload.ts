// The jobs a chaos run submits: small real runs of four kinds, each carrying a marker unique to
// its submission (a FASTA header, a SAM @CO line) so that any job found in Redis names the
// submission it came from, and its result can be told apart from every other job's.
//
//   blastn             an inline read of fixtures/lambda_queries.fa against the lambda database
//   slow_blastn        30 kb of the lambda genome, -task blastn -word_size 4: seconds of CPU, so a
//                      worker killed mid-run leaves a tool that would outlive it
//   seqkit_stats       a fixture FASTQ by path (staged into storage, as for any remote caller)
//                      plus an inline marker record
//   samtools_flagstat  inline SAM (real minimap2 alignments of the lambda reads)
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Random } from './random.js';

export type JobKind = 'blastn' | 'slow_blastn' | 'seqkit_stats' | 'samtools_flagstat';

/** Share of each kind in the workload, the slow blastn's aside (ChaosSettings.slowShare). */
const MIX: readonly [JobKind, number][] = [
  ['blastn', 0.6],
  ['seqkit_stats', 0.2],
  ['samtools_flagstat', 0.2],
];

export const BLAST_DATABASE = 'lambda';
/** A fixed record added to each seqkit_stats job: its stats do not depend on its name. */
export const MARKER_SEQUENCE = 'ACGTTGCAACGGTACCATGGATCCGAATTCAAGCTTGCATGCCTGCAGGTCGACTCTAGA';
const SEQKIT_FILES = ['lambda_reads_1.fq.gz', 'lambda_reads_2.fq.gz', 'illumina16s_R1.fq.gz', 'illumina16s_R2.fq.gz', 'lambda_longreads.fq.gz'];
const SAM_RECORD_COUNTS = [40, 90, 150];
/** About 2 s of CPU for blastn -word_size 4 against lambda: long enough to outlive a killed worker. */
const SLOW_QUERY_BASES = 30_000;

export interface Templates {
  fixtures: string;
  /** The reads of lambda_queries.fa: id and sequence. */
  queries: { id: string; sequence: string }[];
  genome: string;
  seqkitFiles: string[];
  /** SAM texts without a marker; the marker goes in as the header's last line. */
  sams: string[];
}

export interface PlannedSubmission {
  index: number;
  /** Also the idempotency key: unique to the submission, the same on every retry of it. */
  marker: string;
  owner: string;
  kind: JobKind;
  template: number;
  jobType: string;
  parameters: Record<string, unknown>;
}

function fastaRecords(text: string): { id: string; sequence: string }[] {
  return text
    .split(/^>/m)
    .filter((r) => r.trim() !== '')
    .map((r) => {
      const [header, ...lines] = r.split('\n');
      return { id: header!.split(/\s/)[0]!, sequence: lines.join('').trim() };
    });
}

const wrap = (s: string) => s.match(/.{1,80}/g)!.join('\n');

export async function loadTemplates(fixtures: string, scratch: string): Promise<Templates> {
  const queries = fastaRecords(await fs.readFile(path.join(fixtures, 'lambda_queries.fa'), 'utf8'));
  const genome = fastaRecords(await fs.readFile(path.join(fixtures, 'lambda_virus.fa'), 'utf8'))[0]!.sequence;
  if (queries.length !== 20 || genome.length !== 48_502) {
    throw new Error(`fixtures changed: lambda_queries.fa holds ${queries.length} records (expected 20), lambda_virus.fa ${genome.length} bp (expected 48502)`);
  }
  // Real alignments for flagstat: the fixture pairs mapped by minimap2, cut to a few sizes.
  await fs.mkdir(scratch, { recursive: true });
  const { stdout } = await execa('minimap2', ['-a', '-x', 'sr', '-t', '1', path.join(fixtures, 'lambda_virus.fa'), path.join(fixtures, 'lambda_reads_1.fq.gz'), path.join(fixtures, 'lambda_reads_2.fq.gz')], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = stdout.split('\n').filter((l) => l !== '');
  const header = lines.filter((l) => l.startsWith('@'));
  const records = lines.filter((l) => !l.startsWith('@'));
  if (records.length < Math.max(...SAM_RECORD_COUNTS)) throw new Error(`minimap2 gave ${records.length} SAM records, fewer than ${Math.max(...SAM_RECORD_COUNTS)}`);
  const sams = SAM_RECORD_COUNTS.map((n) => [...header, ...records.slice(0, n)].join('\n') + '\n');
  return { fixtures, queries, genome, seqkitFiles: SEQKIT_FILES.map((f) => path.join(fixtures, f)), sams };
}

// The text each kind sends, with the marker in its place; the oracle builds the same with a
// placeholder marker.
export function blastQueryText(templates: Templates, kind: 'blastn' | 'slow_blastn', template: number, marker: string): string {
  if (kind === 'slow_blastn') return `>${marker} lambda:1-${SLOW_QUERY_BASES}\n${wrap(templates.genome.slice(0, SLOW_QUERY_BASES))}\n`;
  const q = templates.queries[template]!;
  return `>${marker} ${q.id}\n${q.sequence}\n`;
}

export function markerRecord(marker: string): string {
  return `>${marker}\n${MARKER_SEQUENCE}\n`;
}

export function samText(templates: Templates, template: number, marker: string): string {
  const sam = templates.sams[template]!;
  const lines = sam.split('\n');
  const headerEnd = lines.findIndex((l) => !l.startsWith('@'));
  lines.splice(headerEnd, 0, `@CO\t${marker}`);
  return lines.join('\n');
}

function pickKind(random: Random): JobKind {
  let r = random.next();
  for (const [kind, share] of MIX) {
    if (r < share) return kind;
    r -= share;
  }
  return MIX[0]![0];
}

function templateCount(templates: Templates, kind: JobKind): number {
  switch (kind) {
    case 'blastn':
      return templates.queries.length;
    case 'slow_blastn':
      return 1;
    case 'seqkit_stats':
      return templates.seqkitFiles.length;
    case 'samtools_flagstat':
      return templates.sams.length;
  }
}

function request(templates: Templates, kind: JobKind, template: number, marker: string): { jobType: string; parameters: Record<string, unknown> } {
  switch (kind) {
    case 'blastn':
      return { jobType: 'blastn', parameters: { query: blastQueryText(templates, kind, template, marker), database: BLAST_DATABASE } };
    case 'slow_blastn':
      return { jobType: 'blastn', parameters: { query: blastQueryText(templates, kind, template, marker), database: BLAST_DATABASE, task: 'blastn', word_size: 4 } };
    case 'seqkit_stats':
      return { jobType: 'seqkit_stats', parameters: { sequences: [templates.seqkitFiles[template]!, markerRecord(marker)] } };
    case 'samtools_flagstat':
      return { jobType: 'samtools_flagstat', parameters: { alignments: samText(templates, template, marker) } };
  }
}

/**
 * Which submissions are slow blastn: exactly round(jobs × share) of them, at places the seed
 * picks. Drawn one by one instead, their count varied from 6 to 15 in a hundred jobs, and with
 * it the small run's length: from 40 s to over 80 s of clients' time on the same machine.
 */
function slowSubmissions(jobs: number, share: number, random: Random): Set<number> {
  const places = Array.from({ length: jobs }, (_v, i) => i);
  const count = Math.round(jobs * share);
  // The first `count` places of a partial Fisher-Yates shuffle.
  for (let i = 0; i < count; i++) {
    const j = i + random.below(jobs - i);
    [places[i], places[j]] = [places[j]!, places[i]!];
  }
  return new Set(places.slice(0, count));
}

/** The run's submissions in the order they are made, spread over the owners in turn. */
export function planSubmissions(templates: Templates, options: { jobs: number; slowShare: number; owners: readonly string[]; runId: string; random: Random }): PlannedSubmission[] {
  const plan: PlannedSubmission[] = [];
  const slow = slowSubmissions(options.jobs, options.slowShare, options.random);
  for (let index = 0; index < options.jobs; index++) {
    const kind = slow.has(index) ? 'slow_blastn' : pickKind(options.random);
    const template = options.random.below(templateCount(templates, kind));
    const marker = `chaos-${options.runId}-${index}`;
    plan.push({ index, marker, owner: options.owners[index % options.owners.length]!, kind, template, ...request(templates, kind, template, marker) });
  }
  return plan;
}

/** A job's marker, found anywhere in its stored data; undefined for a job not of this run. */
export function markerIn(text: string, runId: string): string | undefined {
  return new RegExp(`chaos-${runId}-\\d+`).exec(text)?.[0];
}
