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
  private readonly pairs = new Set<string>();
  private readonly queries = new Set<string>();
  private hsps = 0;
  private top: BlastHit[] = [];

  add(hit: BlastHit): void {
    this.hsps += 1;
    this.queries.add(hit.query);
    this.pairs.add(`${hit.query}\u0000${hit.subject}`);
    if (this.top.length < TOP || better(hit, this.top[this.top.length - 1]!)) {
      this.top.push(hit);
      this.top.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
      if (this.top.length > TOP) this.top.pop();
    }
  }

  build(): BlastSummary {
    return { hit_count: this.pairs.size, hsp_count: this.hsps, queries_with_hits: this.queries.size, top_hits: this.top };
  }
}

// Higher bit score first; on a tie, the smaller E-value.
function better(a: BlastHit, b: BlastHit): boolean {
  return a.bit_score > b.bit_score || (a.bit_score === b.bit_score && a.evalue < b.evalue);
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function fromTabular(lines: AsyncIterable<string>, out: SummaryBuilder): Promise<void> {
  for await (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const c = line.split('\t');
    if (c.length < 12) continue;
    out.add({
      query: c[0]!,
      subject: c[1]!,
      percent_identity: Number(c[2]),
      alignment_length: Number(c[3]),
      evalue: Number(c[10]),
      bit_score: Number(c[11]),
    });
  }
}

// -outfmt 5 puts one element per line; an HSP is complete at </Hsp>.
async function fromXml(lines: AsyncIterable<string>, out: SummaryBuilder): Promise<void> {
  let query = '';
  let subject = '';
  const hsp: Record<string, string> = {};
  for await (const line of lines) {
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
async function fromJson(lines: AsyncIterable<string>, out: SummaryBuilder): Promise<void> {
  let query = '';
  let subject = '';
  const hsp: Record<string, string> = {};
  for await (const line of lines) {
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

const READERS: Record<OutputFormat, (lines: AsyncIterable<string>, out: SummaryBuilder) => Promise<void>> = {
  tabular: fromTabular,
  xml: fromXml,
  json: fromJson,
};

export async function summarizeBlastOutput(format: OutputFormat, lines: AsyncIterable<string>): Promise<BlastSummary> {
  const builder = new SummaryBuilder();
  await READERS[format](lines, builder);
  return builder.build();
}
