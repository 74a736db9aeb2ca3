// What the HMMER programs share beyond their options: the package they come from, hmmpress (the
// binary index hmmscan needs beside an HMM file, built once per content), and the HMM profile
// libraries (Pfam-A.hmm, a lab's own) kept by name in the databases folder and pressed there on
// first use.
import type { BinarySpec, DatabaseKind, IndexKind } from './define-tool.js';

const HMMER_PACKAGES = { apt: 'hmmer', brew: 'hmmer', conda: 'bioconda hmmer' };

/** A HMMER program; they have no version flag, but line 2 of -h reads "# HMMER 3.3.2 (Nov 2020); …" (exit 0). */
export function hmmerBinary(name: string): BinarySpec {
  return { name, versionArgs: ['-h'], versionPattern: /^# HMMER (\S+)/m, install: HMMER_PACKAGES };
}

export const hmmpressBinary = hmmerBinary('hmmpress');

/** The four binary files hmmpress writes beside an HMM file; hmmscan refuses a file without them. */
const PRESSED_SUFFIXES = ['h3m', 'h3i', 'h3f', 'h3p'] as const;

export const hmmpressIndex: IndexKind = {
  kind: 'hmmpress',
  title: 'hmmpress index',
  binary: hmmpressBinary,
  sourceName: 'profiles.hmm',
  build: ({ source }) => [['hmmpress', source]],
  files: ({ source }) => PRESSED_SUFFIXES.map((ext) => `${source}.${ext}`),
  // hmmscan is given the HMM file and finds the pressed files beside it.
  use: ({ source }) => source,
};

export const hmmLibrary: DatabaseKind = {
  kind: 'hmm',
  title: 'HMM profile library',
  markers: ['.hmm'],
  path: (dir, name) => `${dir}/${name}.hmm`,
  file: (name) => `${name}.hmm`,
  index: hmmpressIndex,
};
