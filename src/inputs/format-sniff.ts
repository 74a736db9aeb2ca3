// Tells the formats apart from the first bytes of the content (after gunzip), so a file is
// checked by the right checker and a wrong one is refused by what it is ("is FASTQ, but this
// needs FASTA"). Each rule matches what that format's checker accepts on its first line, so a
// file sniffed as X is refused by X's checker only for a real fault further on.
import type { ForeignFormat } from './format-names.js';
import type { InputFormat } from './input-types.js';

export type Sniffed =
  | { kind: 'format'; format: Exclude<InputFormat, 'table' | 'any'> }
  | { kind: 'foreign'; format: ForeignFormat }
  | { kind: 'unknown' }
  /** Nothing but blanks (or nothing at all). */
  | { kind: 'blank' };

/** Bytes to gather before sniffing, unless the first line ends sooner: enough for a headerless SAM line. */
export const SNIFF_BYTES = 64 * 1024;

const LF = 0x0a;
const SAM_HEADER = /^@(HD|SQ|RG|PG|CO)\t/;

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function isBlank(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d || b === LF || b === 0x0b || b === 0x0c;
}

// True once `prefix` is enough to sniff: the first non-blank line is complete, or SNIFF_BYTES are in.
export function canSniff(prefix: Uint8Array): boolean {
  if (prefix.length >= SNIFF_BYTES) return true;
  let i = 0;
  while (i < prefix.length && isBlank(prefix[i]!)) i++;
  return i < prefix.length && prefix.indexOf(LF, i) !== -1;
}

// The format of content starting with `prefix`, as much of it as canSniff wanted; `complete`
// when the prefix is all the content. (A SAM header line is "@HD", "@SQ", "@RG", "@PG" or "@CO"
// then a TAB: a FASTQ read named "HD" with a TAB-separated comment would be taken for SAM.)
export function sniffFormat(prefix: Uint8Array, complete: boolean): Sniffed {
  // Binary formats, by their magic after BGZF inflation; CRAM has its own container.
  if (startsWith(prefix, 'BAM\x01')) return { kind: 'format', format: 'bam' };
  if (startsWith(prefix, 'BCF\x02')) return { kind: 'foreign', format: 'bcf' };
  if (startsWith(prefix, 'CRAM')) return { kind: 'foreign', format: 'cram' };
  // Line-based formats whose first line is fixed.
  if (startsWith(prefix, '##fileformat=VCF')) return { kind: 'format', format: 'vcf' };
  if (startsWith(prefix, 'HMMER3/') || startsWith(prefix, 'HMMER2.0')) return { kind: 'format', format: 'hmm' };
  const firstLine = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.length);
  if (SAM_HEADER.test(firstLine.toString('latin1', 0, 4))) return { kind: 'format', format: 'sam' };
  // FASTA and FASTQ checkers skip leading blanks, so sniffing does too.
  let i = 0;
  while (i < prefix.length && isBlank(prefix[i]!)) i++;
  // 64 KiB of blanks and more to come: let the expected format's checker read on.
  if (i === prefix.length) return complete ? { kind: 'blank' } : { kind: 'unknown' };
  if (prefix[i] === 0x3e) return { kind: 'format', format: 'fasta' };
  if (prefix[i] === 0x40) return { kind: 'format', format: 'fastq' };
  // A SAM without header: the first line is an alignment record, not just any table of 11 or
  // more columns (BLAST's tabular output has 12).
  const end = firstLine.indexOf(LF);
  if (looksLikeSamRecord(firstLine.toString('latin1', 0, end === -1 ? prefix.length : end))) return { kind: 'format', format: 'sam' };
  return { kind: 'unknown' };
}

// The 11 mandatory fields with their shapes: FLAG, POS, MAPQ, PNEXT and TLEN numbers, CIGAR "*"
// or operations.
function looksLikeSamRecord(line: string): boolean {
  const f = line.replace(/\r$/, '').split('\t');
  if (f.length < 11) return false;
  const whole = /^\d+$/;
  return whole.test(f[1]!) && whole.test(f[3]!) && whole.test(f[4]!) && /^(\*|(\d+[MIDNSHPX=])+)$/.test(f[5]!) && whole.test(f[7]!) && /^-?\d+$/.test(f[8]!);
}
