// A HMMER search summary for an assistant, read from HMMER's own tables: how many query-target
// hits and domains were reported, and the ten best hits with their domains (where each lies on
// the sequence and on the model). The tables are read line by line and only the best hits are
// kept, so a search of any size is summarised in small, bounded memory.
import type { OutputReader } from './define-tool.js';
import { DOMAINS_TABLE, HITS_TABLE } from './hmmer-outputs.js';

export interface HmmerDomain {
  /** Independent E-value of this domain. */
  i_evalue: number;
  score: number;
  /** Where the alignment lies on the model, and on the sequence. */
  hmm_from: number;
  hmm_to: number;
  seq_from: number;
  seq_to: number;
}

export interface HmmerHit {
  /** The query (a profile for hmmsearch, a sequence for hmmscan) and the target (a sequence, a profile). */
  query: string;
  target: string;
  target_accession: string | null;
  /** Full-sequence E-value, bit score and composition bias. */
  evalue: number;
  score: number;
  bias: number;
  description: string | null;
  /** Domains reported for this hit, and how many of them pass the inclusion threshold. */
  domain_count: number;
  domains_included: number;
  /** The first DOMAINS_SHOWN domains, in the table's order (along the sequence). */
  domains: HmmerDomain[];
}

export interface HmmerSummary {
  /** Query-target pairs reported (lines of the hits table). */
  hits: number;
  /** Domains reported (lines of the domains table). */
  domains: number;
  queries_with_hits: number;
  top_hits: HmmerHit[];
}

const TOP = 10;
const DOMAINS_SHOWN = 10;

// HMMER pads its columns with spaces and leaves free text (the description) last: the first
// `count` fields, then the rest of the line as it is.
function columns(line: string, count: number): { fields: string[]; rest: string } | undefined {
  const fields: string[] = [];
  const field = /\S+/g;
  let end = 0;
  while (fields.length < count) {
    const m = field.exec(line);
    if (!m) return undefined;
    fields.push(m[0]);
    end = m.index + m[0].length;
  }
  return { fields, rest: line.slice(end).trim() };
}

const orNull = (value: string) => (value === '-' || value === '' ? null : value);

// Smaller E-value first; on a tie, the higher score.
function better(a: HmmerHit, b: HmmerHit): boolean {
  return a.evalue < b.evalue || (a.evalue === b.evalue && a.score > b.score);
}

const pairKey = (query: string, target: string) => `${query}\u0000${target}`;

export async function summarizeHmmerTables(outputs: OutputReader): Promise<HmmerSummary> {
  let hits = 0;
  const queries = new Set<string>();
  let top: HmmerHit[] = [];
  // --tblout: target, accession, query, accession, E-value, score, bias, best-domain E-value,
  // score, bias, exp, reg, clu, ov, env, dom, rep, inc, description.
  for await (const line of outputs.lines(HITS_TABLE)) {
    if (line === '' || line.startsWith('#')) continue;
    const row = columns(line, 18);
    if (!row) continue;
    const c = row.fields;
    hits += 1;
    queries.add(c[2]!);
    const hit: HmmerHit = {
      query: c[2]!,
      target: c[0]!,
      target_accession: orNull(c[1]!),
      evalue: Number(c[4]),
      score: Number(c[5]),
      bias: Number(c[6]),
      description: orNull(row.rest),
      domain_count: 0,
      domains_included: Number(c[17]),
      domains: [],
    };
    if (top.length < TOP || better(hit, top[top.length - 1]!)) {
      top.push(hit);
      top = top.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, TOP);
    }
  }

  const byPair = new Map(top.map((hit) => [pairKey(hit.query, hit.target), hit]));
  let domains = 0;
  // --domtblout: target, accession, tlen, query, accession, qlen, E-value, score, bias, #, of,
  // c-Evalue, i-Evalue, score, bias, hmm from, to, ali from, to, env from, to, acc, description.
  for await (const line of outputs.lines(DOMAINS_TABLE)) {
    if (line === '' || line.startsWith('#')) continue;
    const row = columns(line, 22);
    if (!row) continue;
    const c = row.fields;
    domains += 1;
    const hit = byPair.get(pairKey(c[3]!, c[0]!));
    if (!hit) continue;
    hit.domain_count += 1;
    if (hit.domains.length < DOMAINS_SHOWN) {
      hit.domains.push({
        i_evalue: Number(c[12]),
        score: Number(c[13]),
        hmm_from: Number(c[15]),
        hmm_to: Number(c[16]),
        seq_from: Number(c[17]),
        seq_to: Number(c[18]),
      });
    }
  }
  return { hits, domains, queries_with_hits: queries.size, top_hits: top };
}
