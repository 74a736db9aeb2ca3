// DIAMOND as the catalog uses it: the binary, its named databases (one .dmnd file each in the
// databases folder) and the same .dmnd built of a protein FASTA given in a database's place, once
// per content, in the index cache. Debian's diamond is built without BLAST-database support and
// then refuses a bare name that BLAST files beside it also answer to, so it is always given the
// .dmnd file itself.
import type { BinarySpec, DatabaseKind, IndexKind } from './define-tool.js';

export const diamondBinary: BinarySpec = {
  name: 'diamond',
  // "diamond version 2.1.3" (the banner on stderr says v2.1.3.157).
  versionArgs: ['version'],
  versionPattern: /diamond version (\S+)/,
  install: { apt: 'diamond-aligner', brew: 'diamond', conda: 'bioconda diamond' },
};

// The .dmnd is the same bytes whatever the thread count (checked on 45 and 4,000 proteins).
export const diamondIndex: IndexKind = {
  kind: 'diamond',
  title: 'DIAMOND database (diamond makedb)',
  binary: diamondBinary,
  sourceName: 'reference.fa',
  build: ({ source, threads }) => [['diamond', 'makedb', '--in', source, '--db', `${source}.dmnd`, '--threads', String(threads)]],
  files: ({ source }) => [`${source}.dmnd`],
  use: ({ source }) => `${source}.dmnd`,
};

export const diamondDatabase: DatabaseKind = {
  kind: 'diamond',
  title: 'DIAMOND database',
  markers: ['.dmnd'],
  path: (dir, name) => `${dir}/${name}.dmnd`,
  // A named database is what diamondIndex builds of a FASTA: searches ask for the index either way.
  asIndex: diamondIndex,
};
