// Split-query BLAST/DIAMOND cuts a FASTA query into parts of about equal size in query letters
// (what a search costs is roughly proportional to them, not to records or bytes), in the
// original order, never splitting a record, so the parts' outputs concatenated in order are the
// unsplit output. Contiguous, not records dealt out in turn: BLAST's weak hits for a query depend
// on its neighbours in its batch, and interleaved parts changed 137 lines of the bench
// workload's output (merge-search-outputs.ts, bench/split-blast-interleave.ts). The file is
// streamed twice — once to measure, once to write — so a query of any size is split in constant
// memory (plus one number per record).
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

/** Defaults for `split: "auto"`: see partCountFor. */
export const SPLIT_DEFAULTS = {
  /** A part shorter than this costs more in job start-up and database loading than it saves. */
  minPartLetters: 100_000,
  /** More parts than free workers only queue up; 16 covers a lab's pool of machines. */
  maxParts: 16,
} as const;

export interface SplitLimits {
  minPartLetters: number;
  maxParts: number;
}

export interface QueryPart {
  /** 1-based, in query order. */
  index: number;
  path: string;
  /** Sequence letters (residues) in this part: what progress weighs it by. */
  letters: number;
  /** FASTA records in this part. */
  records: number;
}

export interface QueryMeasure {
  records: number;
  letters: number;
  /** Letters of each record, in file order. */
  recordLetters: Uint32Array;
}

const GT = 0x3e;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

// Walks a FASTA byte stream and reports, for every byte range, which record (0-based, -1 before
// the first header) it belongs to. A record starts at a ">" at the start of a line.
function recordWalker(onBytes: (record: number, bytes: Buffer) => void, onLetter?: (record: number, count: number) => void) {
  let record = -1;
  let atLineStart = true;
  let inHeader = false;
  return (chunk: Buffer) => {
    let from = 0;
    let letters = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (atLineStart && b === GT) {
        if (i > from) onBytes(record, chunk.subarray(from, i));
        if (letters > 0) onLetter?.(record, letters);
        letters = 0;
        from = i;
        record += 1;
        inHeader = true;
      } else if (b === LF) {
        inHeader = false;
      } else if (!inHeader && record >= 0 && b !== CR && b !== SPACE && b !== TAB) {
        letters += 1;
      }
      atLineStart = b === LF;
    }
    if (chunk.length > from) onBytes(record, chunk.subarray(from));
    if (letters > 0) onLetter?.(record, letters);
  };
}

/** Counts the records of a FASTA file and the sequence letters of each, streaming. */
export async function measureQuery(file: string): Promise<QueryMeasure> {
  let recordLetters = new Uint32Array(1024);
  let records = 0;
  let letters = 0;
  const feed = recordWalker(
    (record) => {
      records = record + 1;
      if (records > recordLetters.length) {
        const grown = new Uint32Array(recordLetters.length * 2);
        grown.set(recordLetters);
        recordLetters = grown;
      }
    },
    (record, count) => {
      recordLetters[record] = recordLetters[record]! + count;
      letters += count;
    },
  );
  for await (const chunk of createReadStream(file)) feed(chunk as Buffer);
  return { records, letters, recordLetters: recordLetters.subarray(0, records) };
}

/**
 * How many parts a query gets: `"auto"` gives one per `minPartLetters` letters, at least 1 and at
 * most `maxParts`; a number is taken as asked. Either way never more parts than records.
 */
export function partCountFor(split: number | 'auto', measure: Pick<QueryMeasure, 'records' | 'letters'>, limits: SplitLimits = SPLIT_DEFAULTS): number {
  const asked = split === 'auto' ? Math.min(limits.maxParts, Math.floor(measure.letters / limits.minPartLetters)) : split;
  return Math.max(1, Math.min(asked, measure.records));
}

/**
 * The first record (0-based) of each of `parts` parts. A record weighs its letters plus
 * `recordCost` and goes to the part its middle falls in, so part weights differ from the ideal
 * by at most half a record on each side; every part gets at least one record (needs parts ≤
 * records).
 */
export function partStarts(recordLetters: ArrayLike<number>, parts: number, recordCost = 0): number[] {
  const records = recordLetters.length;
  if (!Number.isInteger(parts) || parts < 1 || parts > records) throw new RangeError(`parts must be a whole number from 1 to ${records} (the records), got ${parts}`);
  const weight = (i: number) => recordLetters[i]! + recordCost;
  let total = 0;
  for (let i = 0; i < records; i++) total += weight(i);
  const starts = [0];
  let before = 0;
  for (let i = 0; i < records; i++) {
    const length = weight(i);
    const current = starts.length - 1;
    // With no letters at all, share the records out evenly instead.
    const wanted = total > 0 ? Math.floor((parts * (before + length / 2)) / total) : Math.floor((parts * i) / records);
    // Never skip a part (each needs a record) and leave each later part at least one record.
    const lowest = parts - (records - i);
    const highest = i === 0 ? 0 : current + 1;
    const part = Math.max(lowest, Math.min(highest, Math.max(current, Math.min(parts - 1, wanted))));
    if (part > current) starts.push(i);
    before += length;
  }
  return starts;
}

function partFileName(index: number, extension: string): string {
  return `part-${String(index).padStart(3, '0')}${extension}`;
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'close');
}

export interface SplitOptions {
  /** A number of parts (capped by the records), or "auto" (see partCountFor). */
  parts: number | 'auto';
  /** For "auto"; SPLIT_DEFAULTS when left out (the configuration's BIO_QUEUE_SPLIT_* in the queue). */
  limits?: SplitLimits;
  /**
   * Letters a record costs on top of its own when parts are balanced; 0 (the default) balances
   * letters alone. A search spends time per query as well as per letter: blastn -task blastn
   * on short reads costs about 240 letters a query (bench/RESULTS.md, issue 9).
   */
  recordCost?: number;
}

/**
 * Splits the FASTA file `query` into parts written to `outDir` (created if missing) as
 * part-001.fa, part-002.fa, …, in query order. The parts' bytes concatenated are the file's
 * bytes: headers, line wrapping and anything before the first record (kept in part 1) are
 * untouched. Throws when the file holds no record.
 */
export async function splitQuery(query: string, outDir: string, options: SplitOptions): Promise<QueryPart[]> {
  const measure = await measureQuery(query);
  if (measure.records === 0) throw new RangeError(`${query}: no FASTA record (no line starting with ">") to split`);
  const count = partCountFor(options.parts, measure, options.limits ?? SPLIT_DEFAULTS);
  const starts = partStarts(measure.recordLetters, count, options.recordCost ?? 0);
  await fs.mkdir(outDir, { recursive: true });
  const parts: QueryPart[] = starts.map((start, i) => {
    const end = starts[i + 1] ?? measure.records;
    let letters = 0;
    for (let r = start; r < end; r++) letters += measure.recordLetters[r]!;
    return { index: i + 1, path: path.join(outDir, partFileName(i + 1, path.extname(query) || '.fa')), letters, records: end - start };
  });

  let current = 0;
  let out = createWriteStream(parts[0]!.path);
  const segments: { record: number; bytes: Buffer }[] = [];
  const feed = recordWalker((record, bytes) => segments.push({ record, bytes }));
  for await (const chunk of createReadStream(query)) {
    feed(chunk as Buffer);
    for (const { record, bytes } of segments) {
      const next = starts[current + 1];
      if (next !== undefined && record >= next) {
        await closeStream(out);
        current += 1;
        out = createWriteStream(parts[current]!.path);
      }
      // Back-pressure: a slow disk must not make us buffer the whole query in memory.
      if (!out.write(bytes)) await once(out, 'drain');
    }
    segments.length = 0;
  }
  await closeStream(out);
  return parts;
}
