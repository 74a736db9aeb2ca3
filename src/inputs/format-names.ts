// How formats are named in messages, in one place so every refusal reads alike:
// "is FASTQ, but this needs FASTA", "is a VCF file, but this needs SAM or BAM".
import type { InputFormat } from './input-types.js';

/** The format as a noun phrase after "is" / "needs". */
const NAMES: Record<InputFormat, string> = {
  fasta: 'FASTA',
  fastq: 'FASTQ',
  sam: 'SAM',
  bam: 'BAM',
  vcf: 'VCF',
  hmm: 'an HMMER profile',
  table: 'a text table',
  any: 'a file',
};

/** What a found file "is": VCF reads better as "a VCF file". */
const FOUND: Partial<Record<InputFormat, string>> = { vcf: 'a VCF file' };

/** Formats sniffing recognises but no tool here takes, named for the refusal. */
export type ForeignFormat = 'bcf' | 'cram';
const FOREIGN: Record<ForeignFormat, string> = { bcf: 'a BCF file (binary VCF)', cram: 'a CRAM file' };

// "SAM or BAM", "FASTQ, FASTA or SAM".
export function needsList(formats: readonly InputFormat[]): string {
  const names = [...new Set(formats.map((f) => NAMES[f]))];
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

// The refusal of a recognised format that is not among the expected ones.
export function wrongFormatReason(found: InputFormat | ForeignFormat, expected: readonly InputFormat[]): string {
  const shown = found in FOREIGN ? FOREIGN[found as ForeignFormat] : (FOUND[found as InputFormat] ?? NAMES[found as InputFormat]);
  return `is ${shown}, but this needs ${needsList(expected)}`;
}

// How inline text of the first expected format is named in "… text is empty".
export function textName(formats: readonly InputFormat[]): string {
  const first = formats[0];
  if (first === 'fasta' || first === 'fastq' || first === 'sam' || first === 'vcf') return `${NAMES[first]} text`;
  if (first === 'hmm') return 'HMM text';
  return 'text';
}
