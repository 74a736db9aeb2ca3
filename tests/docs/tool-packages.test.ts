// scripts/tool-packages.tsv is what the bootstrap script and the Dockerfile install from: it must
// be what the catalog says now, and the bootstrap must turn it into the exact commands to run
// when a binary is missing.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderToolPackages, TOOL_PACKAGES_FILE } from '../../scripts/tool-packages.js';
import { catalogBinaries } from '../../tools/index.js';
import { REPO } from '../support/harness.js';

describe('scripts/tool-packages.tsv', () => {
  it('is what the catalog renders now', async () => {
    const file = await fs.readFile(path.join(REPO, TOOL_PACKAGES_FILE), 'utf8');
    expect(file, 'scripts/tool-packages.tsv is out of date with the catalog: run `npm run docs` and commit the result').toBe(renderToolPackages());
  });

  it('lists every binary the catalog runs', async () => {
    const file = await fs.readFile(path.join(REPO, TOOL_PACKAGES_FILE), 'utf8');
    const listed = file.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t')[0]);
    for (const binary of catalogBinaries()) expect(listed).toContain(binary.name);
  });
});

describe('scripts/bootstrap.sh', () => {
  // A PATH with the shell tools the script itself uses and nothing else: no tools, no apt-get.
  async function barePath(): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bare-path-'));
    for (const tool of ['bash', 'dirname', 'grep', 'head', 'cat', 'id', 'printf']) {
      const { stdout } = await execa('bash', ['-c', `command -v ${tool}`]);
      if (stdout.startsWith('/')) await fs.symlink(stdout, path.join(dir, tool));
    }
    await fs.symlink(process.execPath, path.join(dir, 'node'));
    return dir;
  }

  it('names what a queue is missing and the commands that install it, when it cannot install', async () => {
    const bin = await barePath();
    try {
      const run = await execa('bash', [path.join(REPO, 'scripts', 'bootstrap.sh'), 'align'], { env: { PATH: bin }, extendEnv: false, reject: false });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(/^bootstrap: bwa +MISSING \(apt package bwa\)$/m);
      expect(run.stdout).not.toMatch(/blastn/);
      expect(run.stderr).toContain('bootstrap: missing: redis-server bwa samtools minimap2\n');
      expect(run.stderr).toContain('  Debian/Ubuntu: sudo apt-get install -y redis-server bwa samtools minimap2\n');
      expect(run.stderr).toContain('  macOS:         brew install redis bwa samtools minimap2\n');
      expect(run.stderr).toContain(
        '  conda:         conda install -c conda-forge redis && conda install -c bioconda bwa && conda install -c bioconda samtools && conda install -c bioconda minimap2',
      ); // execa strips the final newline
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('installs radosgw and chromium only from Debian/Ubuntu, and says that Homebrew and conda have no package of them', async () => {
    const bin = await barePath();
    try {
      const run = await execa('bash', [path.join(REPO, 'scripts', 'bootstrap.sh'), 'tests'], { env: { PATH: bin }, extendEnv: false, reject: false });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('  Debian/Ubuntu: sudo apt-get install -y redis-server ncbi-blast+ tabix radosgw ceph-mon ceph-osd chromium\n');
      expect(run.stderr).toContain('  macOS:         brew install redis blast htslib\n');
      expect(run.stderr).toContain('  conda:         conda install -c conda-forge redis && conda install -c bioconda blast && conda install -c bioconda htslib\n');
      expect(run.stderr).toContain('  (no Homebrew or conda package has radosgw ceph-mon ceph-osd chromium: the tests that need them run on Debian/Ubuntu)');
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('passes on this machine, where the tests run', async () => {
    const run = await execa('bash', [path.join(REPO, 'scripts', 'bootstrap.sh')], { reject: false });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
  });
});
