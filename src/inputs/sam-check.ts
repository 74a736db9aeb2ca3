// Checks that alignments given as text really are SAM: header lines "@" + two letters + TAB
// first, then records of at least 11 TAB-separated fields, counted. samtools refuses the rest
// (even one blank line, at the end too) with "Parse error at line N"; we say it before the tool
// runs, by the same line number.
import { inputError } from '../errors.js';
import type { ContentChecker } from './input-types.js';
import { createLineScanner } from './line-scanner.js';
import { isLetter, quoteLine } from './sequence-letters.js';

const AT = 0x40;
const TAB = 0x09;
/** 11 mandatory fields: QNAME FLAG RNAME POS MAPQ CIGAR RNEXT PNEXT TLEN SEQ QUAL. */
const MIN_TABS = 10;
/** Enough of a line to hold the fields up to TLEN, whose shapes tell a record from any 11-column table. */
const HEAD_BYTES = 512;
const WHOLE = /^\d+$/;
const FIELD_SHAPES: readonly [index: number, name: string, shape: RegExp, what: string][] = [
  [1, 'FLAG', WHOLE, 'a number'],
  [3, 'POS', WHOLE, 'a number'],
  [4, 'MAPQ', WHOLE, 'a number'],
  [5, 'CIGAR', /^(\*|(\d+[MIDNSHPX=])+)$/, '"*" or CIGAR operations'],
  [7, 'PNEXT', WHOLE, 'a number'],
  [8, 'TLEN', /^-?\d+$/, 'a number'],
];

// The first field (up to TLEN) whose shape is not SAM's, said as a reason; undefined when they
// fit, or when the line's head is too long to hold them (then samtools judges).
function wrongField(head: Buffer): string | undefined {
  const fields = head.toString('latin1').split('\t');
  if (fields.length < 10) return undefined;
  for (const [index, name, shape, what] of FIELD_SHAPES) {
    if (!shape.test(fields[index]!)) return `field ${index + 1} (${name}) reads ${JSON.stringify(fields[index]!.slice(0, 40))}, not ${what} as in a SAM alignment`;
  }
  return undefined;
}

// `label` opens the refusal of a first line that is neither header nor record ("not SAM", "not SAM or BAM").
export function createSamChecker(field: string, what = 'file', label = 'not SAM'): ContentChecker {
  let records = 0;
  let lines = 0;
  const fail = (reason: string): never => {
    throw inputError(field, reason);
  };

  const scanner = createLineScanner(
    ({ number, head, length, tabs }) => {
      lines = number;
      if (length === 0) fail(`line ${number} is empty; samtools refuses blank lines in SAM`);
      if (head[0] === AT) {
        const header = length >= 4 && isLetter(head[1]!) && isLetter(head[2]!) && head[3] === TAB;
        if (header && records === 0) return;
        if (header) fail(`line ${number} is a header line after the alignments; headers must come first`);
        if (number === 1) notSam(number, head, length);
        fail(`line ${number} should be a header line ("@" + two letters + TAB) but reads ${quoteLine(head, length > head.length)}`);
      }
      if (tabs < MIN_TABS) {
        if (number === 1) notSam(number, head, length);
        fail(`line ${number} has ${tabs + 1} TAB-separated fields; a SAM alignment has at least 11`);
      }
      const wrong = wrongField(head);
      if (wrong) {
        if (number === 1) notSam(number, head, length);
        fail(`line ${number}: ${wrong}`);
      }
      records += 1;
    },
    { headBytes: HEAD_BYTES, maxTabs: MIN_TABS },
  );

  const notSam = (number: number, head: Buffer, length: number): never =>
    fail(
      `${label}: line ${number} should be a header line (@HD, @SQ, @RG, @PG or @CO, then a TAB) or an alignment of at least 11 TAB-separated fields, but reads ${quoteLine(head, length > head.length)}`,
    );

  return {
    feed: (chunk) => scanner.feed(chunk),
    finish() {
      scanner.finish();
      if (lines === 0) fail(`${what} is empty`);
      return { records, residues: 0 };
    },
  };
}
