// A BLAST summary for an assistant: how many hits, for how many queries, and the ten best
// alignments. Read line by line so an output of any size is summarised in constant memory.
import type { OutputFormat } from './blast-options.js';

export interface BlastHit {
  query: string;
  subject: string;
  percent_identity: number;
  alignment_length: number;
  evalue: number;
  bit_score: number;
}

export interface BlastSummary {
  /** Distinct query–subject pairs. */
  hit_count: number;
  /** High-scoring pairs: lines of tabular output. */
  hsp_count: number;
  queries_with_hits: number;
  top_hits: BlastHit[];
}

const TOP = 10;

class SummaryBuilder {
  // Subjects per query: the distinct pairs without building a string key per HSP, which for a
  // search of 200,000 HSPs was most of the summary's time.
  private readonly subjectsOf = new Map<string, Set<string>>();
  private hsps = 0;
  private top: BlastHit[] = [];

  add(hit: BlastHit): void {
    this.count(hit.query, hit.subject);
    this.offer(hit.bit_score, hit.evalue, () => hit);
  }

  count(query: string, subject: string): void {
    this.hsps += 1;
    let subjects = this.subjectsOf.get(query);
    if (!subjects) this.subjectsOf.set(query, (subjects = new Set()));
    subjects.add(subject);
  }

  // The hit is only made when it is among the best so far: most HSPs of a large search are not.
  offer(bitScore: number, evalue: number, hit: () => BlastHit): void {
    const last = this.top[this.top.length - 1];
    if (this.top.length >= TOP && !better({ bit_score: bitScore, evalue }, last!)) return;
    this.top.push(hit());
    this.top.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    if (this.top.length > TOP) this.top.pop();
  }

  build(): BlastSummary {
    let pairs = 0;
    for (const subjects of this.subjectsOf.values()) pairs += subjects.size;
    return { hit_count: pairs, hsp_count: this.hsps, queries_with_hits: this.subjectsOf.size, top_hits: this.top };
  }
}

// Higher bit score first; on a tie, the smaller E-value.
function better(a: Pick<BlastHit, 'bit_score' | 'evalue'>, b: Pick<BlastHit, 'bit_score' | 'evalue'>): boolean {
  return a.bit_score > b.bit_score || (a.bit_score === b.bit_score && a.evalue < b.evalue);
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

// Columns of -outfmt 6: qseqid sseqid pident length mismatch gapopen qstart qend sstart send evalue bitscore.
// Cut at the tabs it needs rather than split(), which made twelve strings of every line.
// A batch of lines at a time, each looped over here: per line, an async iteration cost more than the line's work.
async function fromTabular(batches: AsyncIterable<readonly string[]>, out: SummaryBuilder): Promise<void> {
  const tabs: number[] = new Array<number>(11);
  for await (const batch of batches) for (const line of batch) {
    if (line === '' || line.startsWith('#')) continue;
    let at = -1;
    let found = 0;
    while (found < 11 && (at = line.indexOf('\t', at + 1)) !== -1) tabs[found++] = at;
    if (found < 11) continue;
    const query = line.slice(0, tabs[0]);
    const subject = line.slice(tabs[0]! + 1, tabs[1]);
    const bitEnd = line.indexOf('\t', tabs[10]! + 1);
    const evalue = Number(line.slice(tabs[9]! + 1, tabs[10]));
    const bitScore = Number(line.slice(tabs[10]! + 1, bitEnd === -1 ? undefined : bitEnd));
    out.count(query, subject);
    out.offer(bitScore, evalue, () => ({
      query,
      subject,
      percent_identity: Number(line.slice(tabs[1]! + 1, tabs[2])),
      alignment_length: Number(line.slice(tabs[2]! + 1, tabs[3])),
      evalue,
      bit_score: bitScore,
    }));
  }
}

// -outfmt 5 puts one element per line; an HSP is complete at </Hsp>.
async function fromXml(batches: AsyncIterable<readonly string[]>, out: SummaryBuilder): Promise<void> {
  let query = '';
  let subject = '';
  const hsp: Record<string, string> = {};
  for await (const batch of batches) for (const line of batch) {
    const m = /^\s*<([A-Za-z_-]+)>([^<]*)<\/\1>/.exec(line);
    if (m) {
      const [, tag, value] = m;
      if (tag === 'Iteration_query-def') query = value!.split(/\s/)[0]!;
      else if (tag === 'Hit_accession') subject = value!;
      else if (tag!.startsWith('Hsp_')) hsp[tag!] = value!;
    } else if (/^\s*<\/Hsp>/.test(line)) {
      const length = Number(hsp['Hsp_align-len']);
      out.add({
        query,
        subject,
        percent_identity: round3((100 * Number(hsp['Hsp_identity'])) / length),
        alignment_length: length,
        evalue: Number(hsp['Hsp_evalue']),
        bit_score: Number(hsp['Hsp_bit-score']),
      });
    }
  }
}

// -outfmt 15 is pretty-printed one field per line; "midline" is the last field of every HSP.
async function fromJson(batches: AsyncIterable<readonly string[]>, out: SummaryBuilder): Promise<void> {
  let query = '';
  let subject = '';
  const hsp: Record<string, string> = {};
  for await (const batch of batches) for (const line of batch) {
    const m = /^\s*"([a-z_]+)": "?(.*?)"?,?$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'query_title') query = value!.split(/\s/)[0]!;
    else if (key === 'accession') subject = value!;
    else if (key === 'bit_score' || key === 'evalue' || key === 'identity' || key === 'align_len') hsp[key] = value!;
    else if (key === 'midline') {
      const length = Number(hsp.align_len);
      out.add({
        query,
        subject,
        percent_identity: round3((100 * Number(hsp.identity)) / length),
        alignment_length: length,
        evalue: Number(hsp.evalue),
        bit_score: Number(hsp.bit_score),
      });
    }
  }
}

const READERS: Record<OutputFormat, (batches: AsyncIterable<readonly string[]>, out: SummaryBuilder) => Promise<void>> = {
  tabular: fromTabular,
  xml: fromXml,
  json: fromJson,
};

/** batches: the output's lines, a batch at a time (OutputReader.lineBatches). */
export async function summarizeBlastOutput(format: OutputFormat, batches: AsyncIterable<readonly string[]>): Promise<BlastSummary> {
  const builder = new SummaryBuilder();
  await READERS[format](batches, builder);
  return builder.build();
}
