// How to install an external binary, per package manager. Package names differ between
// managers (apt's ncbi-blast+ is brew's and bioconda's "blast"), so a missing binary is answered
// with the exact commands rather than a package name to guess from. The tool definitions carry
// their own packages; redis-server, which no tool runs, is known here.
import type { InstallPackages } from '../../tools/define-tool.js';

const REDIS: InstallPackages = { apt: 'redis-server', brew: 'redis', conda: 'conda-forge redis' };

// The commands that install `binary` (a bare name or a path to one), one line per package manager.
export function installHint(binary: string, packages?: InstallPackages): string {
  const name = binary.split(/[\\/]/).pop() ?? binary;
  const pkg = packages ?? (name === 'redis-server' ? REDIS : undefined);
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
