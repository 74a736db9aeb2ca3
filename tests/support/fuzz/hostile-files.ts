// Real traps laid inside an input root for the fuzz suite: symbolic links that lead out of the
// roots (to /etc/passwd, /dev/zero, /proc, the server's own link secret), a dangling link, a
// loop, a FIFO, a folder, an empty file. Each must be refused at submission, by the real paths
// the server resolves, never read.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface HostileFiles {
  /** Paths inside an input root that no input may accept. */
  refused: string[];
  /** Well-formed files for the parts of a submission that are not under test (only their stat is read at submission). */
  valid: { fasta: string; protein: string; fastq: string; sam: string; hmm: string };
}

const LINKS_OUT: Record<string, string> = {
  'to-etc-passwd.fa': '/etc/passwd',
  'to-dev-zero.fa': '/dev/zero',
  'to-dev-urandom.fq': '/dev/urandom',
  'to-proc-environ.fa': '/proc/self/environ',
  'to-proc-stdin.fa': '/proc/self/fd/0',
  'to-proc-mem': '/proc/self/mem',
  'to-root-dir': '/',
  'to-etc-dir': '/etc',
};

/** Lays the traps in `dir` (inside an input root) and names the server's data dir for links into it. */
export async function layHostileFiles(dir: string, dataDir: string, fixtures: string): Promise<HostileFiles> {
  const traps = path.join(dir, 'traps');
  await fs.mkdir(traps);
  const refused: string[] = [];
  for (const [name, target] of Object.entries(LINKS_OUT)) {
    await fs.symlink(target, path.join(traps, name));
    refused.push(path.join(traps, name));
  }
  // Through a link to a folder outside: the path reads as if inside the root.
  refused.push(path.join(traps, 'to-etc-dir', 'passwd'), path.join(traps, 'to-root-dir', 'etc', 'hostname'));
  await fs.symlink(path.join(dataDir, 'link-secret'), path.join(traps, 'to-link-secret'));
  await fs.symlink(path.join(traps, 'no-such-target'), path.join(traps, 'dangling.fa'));
  await fs.symlink(path.join(traps, 'loop-b'), path.join(traps, 'loop-a'));
  await fs.symlink(path.join(traps, 'loop-a'), path.join(traps, 'loop-b'));
  execFileSync('mkfifo', [path.join(traps, 'fifo.fa')]);
  await fs.mkdir(path.join(traps, 'folder.fa'));
  await fs.writeFile(path.join(traps, 'empty.fq'), '');
  refused.push(
    path.join(traps, 'to-link-secret'),
    path.join(traps, 'dangling.fa'),
    path.join(traps, 'loop-a'),
    path.join(traps, 'fifo.fa'),
    path.join(traps, 'folder.fa'),
    path.join(traps, 'empty.fq'),
    path.join(fixtures, 'bad', 'empty.fa'),
    dir,
    fixtures,
  );
  const sam = path.join(dir, 'tiny.sam');
  await fs.writeFile(sam, '@HD\tVN:1.6\tSO:unsorted\n@SQ\tSN:chr1\tLN:100\nr1\t0\tchr1\t1\t60\t4M\t*\t0\t0\tACGT\tIIII\n');
  return {
    refused,
    valid: {
      fasta: path.join(fixtures, 'lambda_queries.fa'),
      protein: path.join(fixtures, 'hbb_human.fa'),
      fastq: path.join(fixtures, 'illumina16s_R1.fq.gz'),
      sam,
      hmm: path.join(fixtures, 'globins4.hmm'),
    },
  };
}
