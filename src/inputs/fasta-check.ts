// Checks that an input really is FASTA before a tool sees it: blastn exits 0 after searching
// plain text as if it were a sequence. Works byte by byte on a stream, so a file of any size
// (or one huge sequence line) is checked in constant memory, apart from the ids when asked for.
// checkInputFile (check-input.ts) drives this checker for FASTA, plain or gzip.
import { inputError } from '../errors.js';
import type { ContentChecker, Residues } from './input-types.js';
import {
  isBaseLetter,
  isNucleotideLetter,
  looksLikeNucleotide,
  looksLikeProtein,
  nucleotideReason,
  proteinReason,
  quoteLine,
  shorten,
  showByte,
  SNIPPET_BYTES,
} from './sequence-letters.js';

/** What a FASTA input must hold; "any-sequence" is the older spelling of "any". */
export type InputKind = 'nucleotide' | 'protein' | 'any-sequence';

/** Feed bytes in any chunking; finish() returns the counts (ids with keepIds) or throws the first problem found. */
export type FastaChecker = ContentChecker;

export interface FastaCheckerOptions {
  /** Collect the id of each record, in file order. Off by default: it costs memory per record. */
  keepIds?: boolean;
}

const LF = 0x0a;
const GT = 0x3e;

// Byte classes for the sequence lines.
const INVALID = 0;
/** A, C, G, T, U, N: nucleotide, and what a protein record is judged by. */
const BASE = 1;
/** The other IUPAC nucleotide codes (R, Y, S, …). */
const NUCLEOTIDE = 2;
const OTHER_LETTER = 3;
const GAP_OR_STOP = 4;
const BLANK = 5;

const BYTE_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x41; c <= 0x5a; c++) {
    const cls = isBaseLetter(c) ? BASE : isNucleotideLetter(c) ? NUCLEOTIDE : OTHER_LETTER;
    table[c] = cls;
    table[c + 0x20] = cls;
  }
  table[0x2d] = GAP_OR_STOP; // -
  table[0x2a] = GAP_OR_STOP; // *
  for (const c of [0x20, 0x09, 0x0d, 0x0b, 0x0c]) table[c] = BLANK;
  return table;
})();

type Mode = 'before' | 'junk' | 'id-start' | 'id' | 'description' | 'sequence';

// The streaming checker; `what` names the input in the "is empty" message ("file", "FASTA text").
// Both residue kinds judge a record by its letters: a nucleotide one must not be clearly protein,
// a protein one must not be clearly nucleotide (DNA letters are valid amino acids, so a tool
// such as hmmsearch searches DNA as protein and exits 0). "any" takes both.
export function createFastaChecker(field: string, kind: InputKind | Residues, what = 'file', options: FastaCheckerOptions = {}): FastaChecker {
  const keepIds = options.keepIds ?? false;
  const ids: string[] = [];
  let records = 0;
  let residues = 0;
  let mode: Mode = 'before';
  let line = 1;
  let column = 0;
  let atLineStart = true;
  let snippet: number[] = [];
  let snippetLine = 0;
  let idBytes: number[] = [];
  let id = '';
  let recordLine = 0;
  let recordResidues = 0;
  let recordLetters = 0;
  let recordOther = 0;
  let recordBases = 0;

  const fail = (reason: string): never => {
    throw inputError(field, reason);
  };
  const record = () => `record ${records}`;
  const named = () => `record ${records} (${shorten(id)})`;

  const notFasta = (): never =>
    fail(`not FASTA: line ${snippetLine} should be a header starting with ">" but reads ${quoteLine(Uint8Array.from(snippet), snippet.length >= SNIPPET_BYTES)}`);

  const startRecord = () => {
    mode = 'id-start';
    records += 1;
    idBytes = [];
    recordLine = line;
    recordResidues = 0;
    recordLetters = 0;
    recordOther = 0;
    recordBases = 0;
  };

  const endId = () => {
    if (idBytes.length === 0) fail(`${record()} at line ${recordLine} has no id after ">"`);
    id = Buffer.from(idBytes).toString('utf8');
    if (keepIds) ids.push(id);
  };

  const endRecord = () => {
    if (recordResidues === 0) fail(`${named()} at line ${recordLine} has no sequence`);
    if (kind === 'nucleotide' && looksLikeProtein(recordOther, recordLetters)) fail(proteinReason(named(), recordOther, recordLetters));
    if (kind === 'protein' && looksLikeNucleotide(recordBases, recordLetters)) fail(nucleotideReason(named(), recordBases, recordLetters));
    residues += recordResidues;
  };

  const feedByte = (b: number) => {
    if (b === LF) {
      if (mode === 'junk') notFasta();
      if (mode === 'id-start') fail(`${record()} at line ${recordLine} has no id after ">"`);
      if (mode === 'id') endId();
      if (mode === 'id' || mode === 'description') mode = 'sequence';
      line += 1;
      column = 0;
      atLineStart = true;
      return;
    }
    column += 1;
    const cls = BYTE_CLASS[b]!;
    switch (mode) {
      case 'before':
        if (b === GT) startRecord();
        else if (cls !== BLANK) {
          mode = 'junk';
          snippet = [b];
          snippetLine = line;
        }
        return;
      case 'junk':
        snippet.push(b);
        if (snippet.length >= SNIPPET_BYTES) notFasta();
        return;
      case 'id-start':
        if (cls === BLANK) return;
        mode = 'id';
        idBytes.push(b);
        return;
      case 'id':
        if (cls === BLANK) {
          endId();
          mode = 'description';
        } else idBytes.push(b);
        return;
      case 'description':
        return;
      case 'sequence':
        if (atLineStart && b === GT) {
          endRecord();
          startRecord();
          return;
        }
        atLineStart = false;
        if (cls === BLANK) return;
        if (cls === INVALID) {
          fail(`${named()}, line ${line}, column ${column}: ${showByte(b)} is not allowed in a sequence; use IUPAC letters, "-" or "*"`);
        }
        recordResidues += 1;
        if (cls === GAP_OR_STOP) return;
        recordLetters += 1;
        if (cls === OTHER_LETTER) recordOther += 1;
        else if (cls === BASE) recordBases += 1;
        return;
    }
  };

  return {
    feed(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (mode === 'sequence' && !atLineStart) {
          // Hot path for sequence lines (nearly all of a large file): count in locals until a
          // byte that needs the general handling above.
          let letters = 0;
          let bases = 0;
          let other = 0;
          let symbols = 0;
          const start = i;
          for (; i < chunk.length; i++) {
            const cls = BYTE_CLASS[chunk[i]!]!;
            if (cls === BASE) bases += 1;
            else if (cls === NUCLEOTIDE) letters += 1;
            else if (cls === OTHER_LETTER) other += 1;
            else if (cls === GAP_OR_STOP) symbols += 1;
            else if (cls !== BLANK) break;
          }
          column += i - start;
          recordLetters += bases + letters + other;
          recordBases += bases;
          recordOther += other;
          recordResidues += bases + letters + other + symbols;
          if (i < chunk.length) feedByte(chunk[i++]!);
        } else feedByte(chunk[i++]!);
      }
    },
    finish() {
      if (mode === 'before') fail(`${what} is empty`);
      if (mode === 'junk') notFasta();
      if (mode === 'id-start') fail(`${record()} at line ${recordLine} has no id after ">"`);
      if (mode === 'id') endId();
      endRecord();
      return keepIds ? { records, residues, ids } : { records, residues };
    },
  };
}
