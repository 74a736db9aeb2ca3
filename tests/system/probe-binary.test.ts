// probeBinary on the real BLAST+ install, and on a binary that is not there.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installHint } from '../../src/system/install-hints.js';
import { findOnPath, probeBinary } from '../../src/system/probe-binary.js';
import { catalogBinaries } from '../../tools/index.js';

describe('probeBinary', () => {
  it('finds blastn on PATH and reads its version', async () => {
    const probe = await probeBinary('blastn', ['-version'], /^blastn: (\S+)/);
    expect(probe).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+\.\d+\+$/) });
    if (!probe.found) throw new Error('unreachable');
    expect(path.isAbsolute(probe.path)).toBe(true);
    expect(path.basename(probe.path)).toBe('blastn');
  });

  it('takes the whole match when the pattern has no group, and "unknown" when nothing matches', async () => {
    expect(await probeBinary('blastn', ['-version'], /\d+\.\d+\.\d+\+/g)).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+\.\d+\+$/) });
    expect(await probeBinary('blastn', ['-version'], /^no such line$/)).toMatchObject({ found: true, version: 'unknown' });
  });

  it('gives the install commands for a binary that is not on PATH', async () => {
    const install = { apt: 'bwa', brew: 'bwa', conda: 'bioconda bwa' };
    expect(await probeBinary('bwa', ['--version'], /(\S+)/, { searchPath: '/nonexistent', install })).toEqual({ found: false, hint: installHint('bwa', install) });
    expect(installHint('bwa', install)).toBe(
      [
        'To install bwa, run one of:',
        '  Debian/Ubuntu: sudo apt-get install -y bwa',
        '  macOS:         brew install bwa',
        '  conda:         conda install -c bioconda bwa',
      ].join('\n'),
    );
  });

  it('gives a generic hint for a binary it has no packages for', async () => {
    expect(await probeBinary('no-such-tool-bioq', ['--version'], /(\S+)/)).toEqual({
      found: false,
      hint: 'To install no-such-tool-bioq: use your system\'s package manager or bioconda\n(conda install -c bioconda no-such-tool-bioq), then make sure its folder is on PATH.',
    });
  });
});

describe('installHint', () => {
  it('names the package each manager calls BLAST+ (from the catalog) and Redis', () => {
    const makeblastdb = catalogBinaries().find((b) => b.name === 'makeblastdb')!;
    expect(installHint('makeblastdb', makeblastdb.install)).toContain('sudo apt-get install -y ncbi-blast+');
    expect(installHint('makeblastdb', makeblastdb.install)).toContain('brew install blast');
    expect(installHint('makeblastdb', makeblastdb.install)).toContain('conda install -c bioconda blast');
    expect(installHint('/opt/redis/bin/redis-server')).toBe(
      [
        'To install redis-server, run one of:',
        '  Debian/Ubuntu: sudo apt-get install -y redis-server',
        '  macOS:         brew install redis',
        '  conda:         conda install -c conda-forge redis',
      ].join('\n'),
    );
  });
});

describe('findOnPath', () => {
  it('skips files that are not executable and folders, and takes the first executable match', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-path-'));
    try {
      const [a, b, c] = ['a', 'b', 'c'].map((d) => path.join(dir, d)) as [string, string, string];
      await Promise.all([a, b, c].map((d) => fs.mkdir(d)));
      await fs.writeFile(path.join(a, 'tool'), '#!/bin/sh\n', { mode: 0o644 });
      await fs.mkdir(path.join(b, 'tool'));
      await fs.writeFile(path.join(c, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      expect(await findOnPath('tool', [a, b, c].join(path.delimiter))).toBe(path.join(c, 'tool'));
      expect(await findOnPath(path.join(c, 'tool'), '')).toBe(path.join(c, 'tool'));
      expect(await findOnPath('tool', [a, b].join(path.delimiter))).toBeUndefined();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
