// bcftools as the variant tools run it: one binary (mpileup, call, index, stats are its
// subcommands), found on PATH, with the packages that install it.
import type { BinarySpec } from './define-tool.js';

export const bcftoolsBinary: BinarySpec = {
  name: 'bcftools',
  versionArgs: ['--version'],
  // "bcftools 1.16" then "Using htslib 1.16".
  versionPattern: /^bcftools (\S+)/m,
  install: { apt: 'bcftools', brew: 'bcftools', conda: 'bioconda bcftools' },
};
