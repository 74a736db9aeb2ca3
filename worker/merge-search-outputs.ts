// Merges the outputs of a BLAST or DIAMOND search run on the parts of a split query (see
// split-query.ts) into the output the unsplit run gives, part 1 first. Each part's output is
// streamed line by line and written as it is read, so no part is held in memory whole.
//
// What differs between a part's output and its share of the unsplit output, per format:
// - tabular (-outfmt 6, DIAMOND's too): nothing; the parts are concatenated.
// - commented tabular (-outfmt 7): each part ends "# BLAST processed N queries"; one line with
//   the total ends the merged file.
// - XML (-outfmt 5): one <BlastOutput> whose header names the run's first query; iterations are
//   numbered from 1 (<Iteration_iter-num>, <Iteration_query-ID>Query_N) across the whole run.
// - JSON (-outfmt 15): one {"BlastOutput2": [...]} array of per-query reports, each with
//   "query_id": "Query_N" numbered across the run.
// Query_N is the query's position in the input, whatever its id (checked on BLAST+ 2.12.0 with
// duplicate ids and gi|/lcl| ids), so part k's numbers are shifted by the queries before it, in
// the warnings of a query's message too.
//
// What a split run can still change (tests/tools/split-search-merge.test.ts, bench/RESULTS.md):
// - A query BLAST cannot compute ungapped Karlin-Altschul statistics for (wholly masked) is
//   warned about in its XML/JSON message, and its JSON report lacks "query_masking" and "hits",
//   only when no query of its run has statistics: alone in a part it is, in the whole run not.
//   Its hits are the same: none.
// - BLAST searches queries in batches, and the batch size can change weak hits near the E-value
//   cut-off (BATCH_SIZE=20000 dropped 4 of 206,426 lines with E 3.5-6.7 on the bench workload),
//   while 2 to 100 parts at BLAST's own batch sizes gave the same bytes: parts must run with
//   the environment of the unsplit run (no BATCH_SIZE or CHUNK_SIZE of their own).
// - Why: a query's weak hits can depend on its neighbours in the batch. On the bench workload
//   r590's 13-letter hit (E 7.0) is found only when r591 follows it, so a cut right after r590
//   loses that line; each of the 4 lines BATCH_SIZE=20000 dropped belongs to the first or last
//   query of a batch. Every cut, and every place where a part's batches end elsewhere than the
//   unsplit run's, is such a hazard: a split is byte-identical as measured on the bench workload
//   (2 to 100 parts), not by construction. Records dealt out to the parts in turn change every
//   query's neighbours and lost 78 and gained 59 lines (runs of 100 records: 2 lost), which is
//   why the parts are contiguous (bench/split-blast-interleave.ts, bench/RESULTS.md).
// - DIAMOND picks its seed algorithm per run: query-indexed when the query has at most 32 Mi
//   letters and the database at least 256 Mi (and the query's seed table is small enough),
//   double-indexed otherwise. Against such a database, the parts of a query of more than 32 Mi
//   letters would run query-indexed where the whole ran double-indexed: give the parts
//   --algo 0 then. (Not tested here: the fixtures' database is small, so every run is
//   double-indexed.)
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import readline from 'node:readline';

export type MergeFormat = 'tabular' | 'tabular-commented' | 'json' | 'xml';

export interface MergeResult {
  /** Queries in the merged output; undefined for plain tabular, which does not list queries without hits. */
  queries: number | undefined;
}

// Lines of a file, each with its "\n" ("" for a last line without one), so bytes are kept as they are.
async function* linesOf(file: string): AsyncGenerator<{ text: string; eol: string }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  // readline drops line endings and cannot tell whether the last line had one: ask the file.
  let endsWithNewline = true;
  input.on('data', (chunk) => {
    if (chunk.length > 0) endsWithNewline = (chunk as string).endsWith('\n');
  });
  let previous: string | undefined;
  for await (const line of lines) {
    if (previous !== undefined) yield { text: previous, eol: '\n' };
    previous = line;
  }
  if (previous !== undefined) yield { text: previous, eol: endsWithNewline ? '\n' : '' };
}

async function write(out: WriteStream, text: string | Buffer): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function closeStream(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'close');
}

// Byte for byte, one part after the other.
async function concatenate(parts: readonly string[], out: WriteStream): Promise<MergeResult> {
  for (const part of parts) {
    for await (const chunk of createReadStream(part)) await write(out, chunk as Buffer);
  }
  return { queries: undefined };
}

const PROCESSED = /^# BLAST processed (\d+) quer(?:y|ies)$/;

async function mergeCommentedTabular(parts: readonly string[], out: WriteStream): Promise<MergeResult> {
  let queries = 0;
  for (const part of parts) {
    for await (const { text, eol } of linesOf(part)) {
      const processed = PROCESSED.exec(text);
      if (processed) queries += Number(processed[1]);
      else await write(out, text + eol);
    }
  }
  // BLAST+ says "queries" for one query too.
  await write(out, `# BLAST processed ${queries} queries\n`);
  return { queries };
}

// Where a line sits in a one-document-per-part output: before the per-query elements, among them, or after.
type Region = 'head' | 'body' | 'tail';

interface DocumentShape {
  /** The line that ends the head (it belongs to the head). */
  bodyStarts: (line: string) => boolean;
  /** The line that starts the tail. */
  tailStarts: (line: string) => boolean;
  /** Renumbers a body line by `offset` queries; counts a query when it returns counted. */
  renumber: (line: string, offset: number) => { line: string; counted: boolean };
  /** What goes between the last body line of one part and the first of the next. */
  joiner: string;
}

// A query's warnings name it by number too ("Query_3 x: Could not calculate ungapped
// Karlin-Altschul parameters …").
function renumberQueryIds(line: string, offset: number): string {
  return line.replace(/\bQuery_(\d+)\b/g, (_, n: string) => `Query_${Number(n) + offset}`);
}

const XML_SHAPE: DocumentShape = {
  bodyStarts: (line) => line === '<BlastOutput_iterations>',
  tailStarts: (line) => line === '</BlastOutput_iterations>',
  renumber(line, offset) {
    const iter = /^(\s*<Iteration_iter-num>)(\d+)(<\/Iteration_iter-num>)$/.exec(line);
    if (iter) return { line: `${iter[1]}${Number(iter[2]) + offset}${iter[3]}`, counted: true };
    const id = /^(\s*<Iteration_query-ID>Query_)(\d+)(<\/Iteration_query-ID>)$/.exec(line);
    if (id) return { line: `${id[1]}${Number(id[2]) + offset}${id[3]}`, counted: false };
    if (/^\s*<Iteration_message>/.test(line)) return { line: renumberQueryIds(line, offset), counted: false };
    return { line, counted: false };
  },
  joiner: '',
};

// BLAST+ writes -outfmt 15 with the array's brackets and the comma between reports on lines of
// their own: "{", "\"BlastOutput2\": [", reports joined by a "," line, then "]" and "}".
const JSON_SHAPE: DocumentShape = {
  bodyStarts: (line) => line === '"BlastOutput2": [',
  tailStarts: (line) => line === ']',
  renumber(line, offset) {
    const id = /^(\s*"query_id": "Query_)(\d+)(",?)$/.exec(line);
    if (id) return { line: `${id[1]}${Number(id[2]) + offset}${id[3]}`, counted: true };
    if (/^\s*"message": "/.test(line)) return { line: renumberQueryIds(line, offset), counted: false };
    return { line, counted: false };
  },
  joiner: ',\n',
};

async function mergeDocuments(parts: readonly string[], out: WriteStream, shape: DocumentShape, format: MergeFormat): Promise<MergeResult> {
  let offset = 0;
  let wroteBody = false;
  for (const [i, part] of parts.entries()) {
    const first = i === 0;
    const last = i === parts.length - 1;
    let region: Region = 'head';
    let queries = 0;
    let joined = !wroteBody;
    for await (const { text, eol } of linesOf(part)) {
      if (region === 'head') {
        if (first) await write(out, text + eol);
        if (shape.bodyStarts(text)) region = 'body';
      } else if (region === 'body' && shape.tailStarts(text)) {
        region = 'tail';
        if (last) await write(out, text + eol);
      } else if (region === 'body') {
        const { line, counted } = shape.renumber(text, offset);
        if (counted) queries += 1;
        if (!joined) {
          await write(out, shape.joiner);
          joined = true;
        }
        await write(out, line + eol);
        wroteBody = true;
      } else if (last) {
        await write(out, text + eol);
      }
    }
    if (region !== 'tail') throw new Error(`${part}: not a complete BLAST ${format} document (its ${region === 'head' ? 'list of queries never starts' : 'end is missing'})`);
    offset += queries;
  }
  return { queries: offset };
}

/**
 * Merges `parts` (the outputs of one search run on query parts 1, 2, …, in that order) into
 * `outFile`, as the unsplit run would have written it: byte-identical for the tabular formats,
 * and for XML and JSON one document with the same queries, hits and numbering. Throws on an XML
 * or JSON part that is not a whole BLAST document (e.g. the search was killed while writing).
 */
export async function mergeSearchOutputs(format: MergeFormat, parts: readonly string[], outFile: string): Promise<MergeResult> {
  if (parts.length === 0) throw new RangeError('no part outputs to merge');
  const out = createWriteStream(outFile);
  try {
    const result =
      format === 'tabular'
        ? await concatenate(parts, out)
        : format === 'tabular-commented'
          ? await mergeCommentedTabular(parts, out)
          : await mergeDocuments(parts, out, format === 'xml' ? XML_SHAPE : JSON_SHAPE, format);
    await closeStream(out);
    return result;
  } catch (err) {
    // Ended, not destroyed: a write still in flight would fail on a destroyed stream. No half-merged output is left.
    await closeStream(out).catch(() => undefined);
    await fs.rm(outFile, { force: true });
    throw err;
  }
}
