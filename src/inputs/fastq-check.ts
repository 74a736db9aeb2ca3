// Checks that reads really are FASTQ before an aligner sees them: bwa mem prints nothing and
// exits 0 on a file whose quality lengths are wrong, and aligns a record cut after its sequence
// line as if it were FASTA; fastp reports the length error and still exits 0.
//
// Records are the 4-line form bwa, minimap2 and fastp read: "@id", sequence, "+" (optionally the
// id again), quality. A sequence or quality wrapped over several lines is refused at the line
// where the "+" should be. Sequence letters: any letter (non-nucleotide letters count against
// the "clearly protein" rule) and "." for a no-call, which bwa reads as N; "-" and "*" are not
// read letters. CRLF line endings are accepted: bwa 0.7.17, minimap2 2.24, fastp 0.23.2 and
// seqkit all give the same results for a CRLF file as for its LF copy. A blank line between
// records is skipped, as kseq does. An empty read (empty sequence and quality lines) is
// accepted: trimmers write them and bwa/minimap2 report them unmapped.
//
// Works line by line on a stream with a tight loop per line kind, so memory stays flat and the
// speed stays close to reading the bytes.
import { inputError } from '../errors.js';
import type { ContentChecker, Residues } from './input-types.js';
import { isLetter, isNucleotideLetter, looksLikeProtein, proteinReason, quoteLine, shorten, showByte, SNIPPET_BYTES } from './sequence-letters.js';

const LF = 0x0a;
const CR = 0x0d;
const AT = 0x40;
const PLUS = 0x2b;

// Sequence byte classes, ordered so the hot loop can add the class to a count: 0 nucleotide or
// ".", 1 another letter, 2 anything that ends the run (line end, CR, a byte to refuse).
const SEQUENCE_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(2);
  for (let b = 0; b < 256; b++) if (isLetter(b)) table[b] = isNucleotideLetter(b) ? 0 : 1;
  table[0x2e] = 0; // "." no-call
  return table;
})();

const BETWEEN = 0; // before a header: blank lines skipped
const NOT_HEADER = 1; // collecting a line that should have been a header, for the message
const ID = 2; // the id right after "@"
const DESCRIPTION = 3; // the rest of the header line
const SEQUENCE = 4;
const PLUS_START = 5; // the line that must start with "+"
const PLUS_ID = 6; // what follows "+": empty, or the id again
const PLUS_REST = 7;
const QUALITY = 8;

// The streaming checker; `what` names the input in the "is empty" message ("file", "FASTQ text").
export function createFastqChecker(field: string, residues: Residues = 'any', what = 'file', options: { keepIds?: boolean } = {}): ContentChecker {
  const keepIds = options.keepIds ?? false;
  const nucleotideOnly = residues === 'nucleotide';
  const ids: string[] = [];
  let records = 0;
  let bases = 0;
  let state = BETWEEN;
  let line = 1;
  let recordLine = 0;
  let id = Buffer.alloc(64);
  let idLength = 0;
  let sequenceLength = 0;
  let otherLetters = 0;
  let qualityLength = 0;
  let plusMatched = 0; // bytes of the "+" line's id matching the header's so far
  let plusDiffers = false;
  let crPending = false; // a CR seen in a sequence or quality line: only "\n" may follow
  let snippet: number[] = [];
  let snippetLine = 0;
  let snippetWhy: 'header' | 'plus' | 'plus-id' = 'header';

  const fail = (reason: string): never => {
    throw inputError(field, reason);
  };
  const idText = () => id.toString('utf8', 0, idLength);
  const named = () => `record ${records} (${shorten(idText())})`;

  const cutShort = (after: string): never => fail(`${named()} at line ${recordLine} is cut short: the file ends ${after}`);

  const badSequenceByte = (b: number, column: number): never =>
    fail(`${named()}, line ${line}, column ${column}: ${showByte(b)} is not allowed in a read; use IUPAC letters, or "." for a no-call`);
  const badQualityByte = (b: number, column: number): never =>
    fail(`${named()}, line ${line}, column ${column}: ${showByte(b)} is not a quality character; use "!" to "~" (Phred+33)`);

  // A line that should have been a header or a "+" line, quoted once its start is known.
  const failSnippet = (): never => {
    const cut = snippet.length >= SNIPPET_BYTES;
    const shown = quoteLine(Uint8Array.from(snippet), cut);
    if (snippetWhy === 'plus') {
      fail(`${named()}, line ${snippetLine}: should be the "+" line after the sequence but reads ${shown} (records are 4 lines: header, sequence, "+", quality)`);
    }
    if (snippetWhy === 'plus-id') fail(`${named()}, line ${snippetLine}: the "+" line names ${shown}, not the record's id`);
    if (records === 0) fail(`not FASTQ: line ${snippetLine} should be a header starting with "@" but reads ${shown}`);
    return fail(`line ${snippetLine} should start record ${records + 1} with "@" but reads ${shown}`);
  };

  const startSnippet = (why: typeof snippetWhy, first: number[]) => {
    snippet = first;
    snippetLine = line;
    snippetWhy = why;
    state = NOT_HEADER;
  };

  const endId = () => {
    if (idLength === 0) fail(`record ${records} at line ${recordLine} has no id after "@"`);
    if (keepIds) ids.push(idText());
  };

  const endSequence = () => {
    if (nucleotideOnly && looksLikeProtein(otherLetters, sequenceLength)) fail(proteinReason(named(), otherLetters, sequenceLength));
  };

  const endQuality = () => {
    if (qualityLength !== sequenceLength) {
      fail(`${named()}, line ${line}: the quality has ${qualityLength} characters but the sequence has ${sequenceLength}; they must be the same length`);
    }
    bases += sequenceLength;
    state = BETWEEN;
  };

  const endPlus = () => {
    if ((plusMatched > 0 || plusDiffers) && (plusDiffers || plusMatched !== idLength)) {
      // Quote the "+" line's word: rebuild it from the matched part and what was kept after.
      snippet = [...id.subarray(0, plusMatched), ...snippet].slice(0, SNIPPET_BYTES);
      snippetWhy = 'plus-id';
      failSnippet();
    }
  };

  return {
    feed(chunk) {
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        if (crPending) {
          if (chunk[i] !== LF) {
            if (state === SEQUENCE) badSequenceByte(CR, sequenceLength + 1);
            badQualityByte(CR, qualityLength + 1);
          }
          crPending = false;
        }
        switch (state) {
          case SEQUENCE: {
            // Hot loop: nearly half of a FASTQ's bytes.
            let j = i;
            let other = 0;
            for (; j < n; j++) {
              const cls = SEQUENCE_CLASS[chunk[j]!]!;
              if (cls > 1) break;
              other += cls;
            }
            sequenceLength += j - i;
            otherLetters += other;
            i = j;
            if (i === n) break;
            const b = chunk[i++]!;
            if (b === LF) {
              endSequence();
              state = PLUS_START;
              line += 1;
            } else if (b === CR) crPending = true;
            else badSequenceByte(b, sequenceLength + 1);
            break;
          }
          case QUALITY: {
            // Hot loop: the other half.
            let j = i;
            // One unsigned comparison for "!" (0x21) to "~" (0x7E).
            while (j < n && ((chunk[j]! - 0x21) >>> 0) <= 0x5d) j++;
            qualityLength += j - i;
            i = j;
            if (i === n) break;
            const b = chunk[i++]!;
            if (b === LF) {
              endQuality();
              line += 1;
            } else if (b === CR) crPending = true;
            else badQualityByte(b, qualityLength + 1);
            break;
          }
          case BETWEEN: {
            const b = chunk[i++]!;
            if (b === AT) {
              records += 1;
              recordLine = line;
              idLength = 0;
              state = ID;
            } else if (b === LF) line += 1;
            else if (b !== 0x20 && b !== 0x09 && b !== CR) startSnippet('header', [b]);
            break;
          }
          case ID: {
            let j = i;
            for (; j < n; j++) {
              const b = chunk[j]!;
              if (b === LF || b === 0x20 || b === 0x09 || b === CR) break;
            }
            if (idLength + (j - i) > id.length) {
              const grown = Buffer.alloc(Math.max(id.length * 2, idLength + (j - i)));
              id.copy(grown, 0, 0, idLength);
              id = grown;
            }
            for (let k = i; k < j; k++) id[idLength++] = chunk[k]!; // ids are short: cheaper than a subarray
            i = j;
            if (i === n) break;
            // The id ends here; DESCRIPTION skips the rest of the line, this byte included.
            endId();
            state = DESCRIPTION;
            break;
          }
          case DESCRIPTION: {
            const end = chunk.indexOf(LF, i);
            if (end === -1) {
              i = n;
              break;
            }
            i = end + 1;
            line += 1;
            sequenceLength = 0;
            otherLetters = 0;
            state = SEQUENCE;
            break;
          }
          case PLUS_START: {
            const b = chunk[i++]!;
            if (b === PLUS) {
              plusMatched = 0;
              plusDiffers = false;
              snippet.length = 0; // reused: no allocation per record
              snippetLine = line;
              state = PLUS_ID;
            } else {
              startSnippet('plus', b === LF ? [] : [b]);
              if (b === LF) failSnippet();
            }
            break;
          }
          case PLUS_ID: {
            const b = chunk[i++]!;
            if (b === LF || b === 0x20 || b === 0x09 || b === CR) {
              endPlus();
              state = PLUS_REST;
              if (b === LF) i -= 1;
            } else if (!plusDiffers && plusMatched < idLength && id[plusMatched] === b) plusMatched += 1;
            else {
              plusDiffers = true;
              if (snippet.length < SNIPPET_BYTES) snippet.push(b);
            }
            break;
          }
          case PLUS_REST: {
            const end = chunk.indexOf(LF, i);
            if (end === -1) {
              i = n;
              break;
            }
            i = end + 1;
            line += 1;
            qualityLength = 0;
            state = QUALITY;
            break;
          }
          case NOT_HEADER: {
            const b = chunk[i++]!;
            if (b === LF) failSnippet();
            snippet.push(b);
            if (snippet.length >= SNIPPET_BYTES) failSnippet();
            break;
          }
        }
      }
    },
    finish() {
      // A CR as the file's very last byte ends the last line like "\r\n" would.
      crPending = false;
      switch (state) {
        case BETWEEN:
          if (records === 0) fail(`${what} is empty`);
          break;
        case NOT_HEADER:
          failSnippet();
          break;
        case ID:
        case DESCRIPTION:
          if (state === ID) endId();
          cutShort('after its header line, without the sequence, "+" line and quality');
          break;
        case SEQUENCE:
          if (sequenceLength === 0) cutShort('after its header line, without the sequence, "+" line and quality');
          endSequence();
          cutShort('after its sequence line, without the "+" line and quality');
          break;
        case PLUS_START:
          cutShort('after its sequence line, without the "+" line and quality');
          break;
        case PLUS_ID:
        case PLUS_REST:
          if (state === PLUS_ID) endPlus();
          cutShort('after its "+" line, without the quality');
          break;
        case QUALITY:
          // The last line may lack its "\n"; a quality that stops short is a cut, not a mismatch.
          if (qualityLength === 0 && sequenceLength > 0) cutShort('after its "+" line, without the quality');
          if (qualityLength < sequenceLength) cutShort(`after ${qualityLength} of its ${sequenceLength} quality characters`);
          endQuality();
          break;
      }
      return keepIds ? { records, residues: bases, ids } : { records, residues: bases };
    },
  };
}
