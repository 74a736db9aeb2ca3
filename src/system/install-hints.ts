// How to install each external binary the project runs, per package manager. Package names
// differ between managers (apt's ncbi-blast+ is brew's and bioconda's "blast"), so a missing
// binary is answered with the exact commands rather than a package name to guess from.

interface Packages {
  apt: string;
  brew: string;
  /** "channel package" for conda. */
  conda: string;
}

const BLAST: Packages = { apt: 'ncbi-blast+', brew: 'blast', conda: 'bioconda blast' };

const PACKAGES: Readonly<Record<string, Packages>> = {
  'redis-server': { apt: 'redis-server', brew: 'redis', conda: 'conda-forge redis' },
  blastn: BLAST,
  blastp: BLAST,
  blastx: BLAST,
  tblastn: BLAST,
  tblastx: BLAST,
  makeblastdb: BLAST,
  blastdbcmd: BLAST,
  bwa: { apt: 'bwa', brew: 'bwa', conda: 'bioconda bwa' },
  minimap2: { apt: 'minimap2', brew: 'minimap2', conda: 'bioconda minimap2' },
  samtools: { apt: 'samtools', brew: 'samtools', conda: 'bioconda samtools' },
  bcftools: { apt: 'bcftools', brew: 'bcftools', conda: 'bioconda bcftools' },
  seqkit: { apt: 'seqkit', brew: 'seqkit', conda: 'bioconda seqkit' },
};

// The commands that install `binary` (a bare name or a path to one), one line per package manager.
export function installHint(binary: string): string {
  const name = binary.split(/[\\/]/).pop() ?? binary;
  const pkg = Object.hasOwn(PACKAGES, name) ? PACKAGES[name] : undefined;
  if (!pkg) {
    return [
      `To install ${name}: use your system's package manager or bioconda`,
      `(conda install -c bioconda ${name}), then make sure its folder is on PATH.`,
    ].join('\n');
  }
  const [channel, condaPkg] = pkg.conda.split(' ');
  return [
    `To install ${name}, run one of:`,
    `  Debian/Ubuntu: sudo apt-get install -y ${pkg.apt}`,
    `  macOS:         brew install ${pkg.brew}`,
    `  conda:         conda install -c ${channel} ${condaPkg}`,
  ].join('\n');
}
