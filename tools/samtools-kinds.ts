// samtools as the other tools use it: the binary, and the FASTA index (faidx) that bcftools and
// samtools need beside a reference, cached once per reference content.
import type { BinarySpec, IndexKind } from './define-tool.js';

export const samtoolsBinary: BinarySpec = {
  name: 'samtools',
  versionArgs: ['--version'],
  versionPattern: /^samtools (\S+)/m,
  install: { apt: 'samtools', brew: 'samtools', conda: 'bioconda samtools' },
};

export const faidxIndex: IndexKind = {
  kind: 'faidx',
  title: 'FASTA index (samtools faidx)',
  binary: samtoolsBinary,
  sourceName: 'reference.fa',
  build: ({ source }) => [['samtools', 'faidx', source]],
  files: ({ source }) => [`${source}.fai`],
  // Tools are given the FASTA itself and find the .fai beside it.
  use: ({ source }) => source,
};
