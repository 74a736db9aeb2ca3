// What the BLAST+ programs share beyond their options: the package they come from and the two
// kinds of database they search, found by name in the databases folder.
import type { BinarySpec, DatabaseKind } from './define-tool.js';

const BLAST_PACKAGES = { apt: 'ncbi-blast+', brew: 'blast', conda: 'bioconda blast' };

/** A BLAST+ executable; they all print "<program>: 2.12.0+" for -version. */
export function blastBinary(name: string): BinarySpec {
  return { name, versionArgs: ['-version'], versionPattern: /: (\d+\.\d+\.\d+\+?)/, install: BLAST_PACKAGES };
}

// -db takes a space-separated list, so a folder with a space in its path cannot go there;
// BLASTDB names the folder instead and -db stays a bare name.
const findThroughBlastdb = {
  path: (_dir: string, name: string) => name,
  env: (dir: string) => ({ BLASTDB: dir }),
};

export const blastNucleotideDb: DatabaseKind = {
  kind: 'blast-nucl',
  title: 'BLAST nucleotide database',
  // A volume's index, or the alias over the volumes of a large one.
  markers: ['.nin', '.nal'],
  ...findThroughBlastdb,
};

export const blastProteinDb: DatabaseKind = {
  kind: 'blast-prot',
  title: 'BLAST protein database',
  markers: ['.pin', '.pal'],
  ...findThroughBlastdb,
};

export function blastDbKind(dbtype: 'nucl' | 'prot'): DatabaseKind {
  return dbtype === 'nucl' ? blastNucleotideDb : blastProteinDb;
}
