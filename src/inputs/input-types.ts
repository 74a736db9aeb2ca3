// The shapes shared by checkInputFile/checkInputText and the per-format checkers: what a tool
// expects of an input, and what the one streaming pass over it found. Kept apart from
// check-input.ts so the format checkers can use them without importing the entry point.

export type InputFormat = 'fasta' | 'fastq' | 'sam' | 'bam' | 'vcf' | 'hmm' | 'table' | 'any';
export type Residues = 'nucleotide' | 'protein' | 'any';

export interface InputExpectation {
  /** Formats the tool accepts, e.g. ['fastq', 'fasta'] for reads, ['sam', 'bam'] for alignments, ['fasta'] for a reference. */
  formats: readonly InputFormat[];
  /** For fasta/fastq: what the sequences must be ('any' = either). Default 'any'. */
  residues?: Residues;
  /** Collect record ids in file order (fasta/fastq first word after >/@; hmm NAME lines). Off by default: costs memory per record. */
  keepIds?: boolean;
}

export interface InputCheck {
  /** The format found (one of the expected ones). */
  format: InputFormat;
  /**
   * True when the bytes given are gzip-compressed text (plain gzip or BGZF, e.g. reads.fq.gz or
   * calls.vcf.gz). A BAM reports false: it is a binary format whose BGZF compression is part of it.
   */
  gzip: boolean;
  /** Sequences (fasta/fastq), alignment records (sam/bam), variant records (vcf), models (hmm), non-blank lines (table), 0 for any. */
  records: number;
  /** Residues/bases (fasta/fastq); 0 otherwise. */
  residues: number;
  /** With keepIds, for fasta, fastq and hmm only. */
  ids?: string[];
  /** sha256 hex of the content: of the decompressed bytes for gzip text (so ref.fa and ref.fa.gz hash the same), of the file bytes for BAM and everything else. */
  sha256: string;
  /** Bytes of content (decompressed for gzip text; the file's bytes for BAM). */
  bytes: number;
  /** Where the decompressed content was written: set only when decompressTo was asked for and the input was gzip text. */
  decompressedTo?: string;
}

export interface CheckOptions {
  /**
   * Write the decompressed content here, for tools that cannot read gzip and for the index
   * cache's copy of a reference. Only gzip text is written: for anything else nothing is written
   * and the result has no decompressedTo, so the caller uses the file as it is. A refused input
   * leaves no file behind.
   */
  decompressTo?: string;
  signal?: AbortSignal;
}

/** What a format checker counts; ids only when asked for and only where the format has them. */
export interface ContentCounts {
  records: number;
  residues: number;
  ids?: string[];
}

/** A streaming checker: feed bytes in any chunking; finish() returns the counts or throws the first problem found. */
export interface ContentChecker {
  feed(chunk: Uint8Array): void;
  finish(): ContentCounts;
}
