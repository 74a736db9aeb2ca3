// What FASTA and FASTQ agree on about sequence letters: which codes count as nucleotide, when a
// record is "clearly protein" (or, given as protein, "clearly nucleotide"), and how a byte or an
// id is shown in a message. One table and one rule, so a read and a reference are judged alike.

/** A record is refused as "clearly protein" for a nucleotide input above this share of non-nucleotide letters. */
export const MAX_NON_NUCLEOTIDE_SHARE = 0.1;

/** Longest quoted line in a message; longer ones end in "…". */
export const SNIPPET_BYTES = 40;

/** A record is refused as "clearly nucleotide" for a protein input at or above this share of A, C, G, T, U and N. */
export const MIN_BASE_SHARE = 0.9;

const NUCLEOTIDE_CODES = 'ACGTUNRYSWKMBDHV';
/** The letters of plain DNA/RNA and N. Ambiguity codes (R, Y, S, …) are common amino acids, so they do not count. */
const BASES = 'ACGTUN';

// True for the letters above, either case: the nucleotide codes and IUPAC ambiguity codes.
export function isNucleotideLetter(b: number): boolean {
  const upper = b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
  return upper >= 0x41 && upper <= 0x5a && NUCLEOTIDE_CODES.includes(String.fromCharCode(upper));
}

// True for A, C, G, T, U or N, either case.
export function isBaseLetter(b: number): boolean {
  const upper = b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
  return upper >= 0x41 && upper <= 0x5a && BASES.includes(String.fromCharCode(upper));
}

// True for an ASCII letter, either case.
export function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

// True when a record is "clearly protein": checked first, so the message is built only for a refusal.
export function looksLikeProtein(otherLetters: number, letters: number): boolean {
  return otherLetters > MAX_NON_NUCLEOTIDE_SHARE * letters;
}

// Why a nucleotide input refuses a record that looksLikeProtein.
export function proteinReason(named: string, otherLetters: number, letters: number): string {
  const percent = Math.round((100 * otherLetters) / letters);
  return `${named} looks like protein, not nucleotide: ${percent}% of its letters are not nucleotide codes (ACGTUN or IUPAC ambiguity codes)`;
}

// True when a record given as protein is "clearly nucleotide": real proteins have about a quarter
// of these letters (A, C, G, T, N are amino acids too), DNA nearly all.
export function looksLikeNucleotide(bases: number, letters: number): boolean {
  return letters > 0 && bases >= MIN_BASE_SHARE * letters;
}

// Why a protein input refuses a record that looksLikeNucleotide.
export function nucleotideReason(named: string, bases: number, letters: number): string {
  const percent = Math.floor((100 * bases) / letters);
  return `${named} looks like nucleotide, not protein: ${percent}% of its letters are A, C, G, T, U or N`;
}

// A byte as a reader would want it named: the character if printable, else its hex value.
export function showByte(b: number): string {
  if (b >= 0x21 && b <= 0x7e) return JSON.stringify(String.fromCharCode(b));
  return `byte 0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

// Keeps a pathological id from flooding a message.
export function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

// The start of a line, quoted for a message: at most SNIPPET_BYTES, no trailing CR, and "…" when
// cut there or when `more` says the line goes on past the bytes given.
export function quoteLine(bytes: Uint8Array, more = false): string {
  const text = Buffer.from(bytes.subarray(0, SNIPPET_BYTES)).toString('utf8').replace(/\r$/, '');
  return JSON.stringify(text + (more || bytes.length > SNIPPET_BYTES ? '…' : ''));
}
