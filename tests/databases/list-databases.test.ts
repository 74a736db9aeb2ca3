// listDatabases on databases the installed makeblastdb builds from the fixtures, checked against
// the counts blastdbcmd reports for the same folder.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseExists, listDatabases } from '../../src/databases/list-databases.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');
let dbDir: string;

async function makeblastdb(...args: string[]): Promise<void> {
  await execa('makeblastdb', args, { cwd: dbDir });
}

// A deterministic nucleotide FASTA of `count` records of `length` bases (no RNG, so no flakes).
function syntheticFasta(count: number, length: number): string {
  const bases = 'ACGT';
  let out = '';
  for (let r = 0; r < count; r++) {
    let seq = '';
    for (let i = 0; i < length; i++) seq += bases[(i * 7 + r * 13 + ((i * i) % 11)) % 4];
    out += `>syn${r}\n${seq.replace(/(.{80})/g, '$1\n')}\n`;
  }
  return out;
}

beforeAll(async () => {
  dbDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-dbs-'));
  await makeblastdb('-in', path.join(fixtures, 'lambda_virus.fa'), '-dbtype', 'nucl', '-parse_seqids', '-out', 'lambda');
  await makeblastdb('-in', path.join(fixtures, 'globins45.fa'), '-dbtype', 'prot', '-out', 'globins45', '-title', 'Globins (45)');
  // Large enough for makeblastdb to split into volumes big.00, big.01 under an alias big.nal.
  await fs.writeFile(path.join(dbDir, 'big.fa'), syntheticFasta(15, 100_000));
  await makeblastdb('-in', 'big.fa', '-dbtype', 'nucl', '-out', 'big', '-max_file_sz', '1MB', '-title', 'split in volumes');
});

afterAll(async () => {
  await fs.rm(dbDir, { recursive: true, force: true });
});

describe('listDatabases', () => {
  it('reads name, type, title and counts of nucleotide and protein databases, sorted by name', async () => {
    const dbs = await listDatabases(dbDir);
    expect(dbs.map((db) => [db.name, db.dbtype, db.title, db.sequences, db.letters, db.path])).toEqual([
      ['big', 'nucl', 'split in volumes', 15, 1_500_000, path.join(dbDir, 'big')],
      ['globins45', 'prot', 'Globins (45)', 45, 6519, path.join(dbDir, 'globins45')],
      ['lambda', 'nucl', path.join(fixtures, 'lambda_virus.fa'), 1, 48502, path.join(dbDir, 'lambda')],
    ]);
    for (const db of dbs) expect(db.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it('agrees with blastdbcmd -list on every database it lists', async () => {
    const { stdout } = await execa('blastdbcmd', ['-list', dbDir, '-list_outfmt', '%f\t%p\t%n\t%l']);
    const oracle = stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([file]) => !/\.\d+$/.test(file ?? '')) // volumes, which we fold into their alias
      .map(([file, type, n, l]) => [file, type === 'Protein' ? 'prot' : 'nucl', Number(n), Number(l)]);
    const ours = (await listDatabases(dbDir)).map((db) => [db.path, db.dbtype, db.sequences, db.letters]);
    expect(ours).toEqual(oracle);
  });

  it('prefers the metadata JSON that newer makeblastdb and NCBI downloads put beside a database', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-dbs-json-'));
    try {
      for (const ext of ['nin', 'nhr', 'nsq']) await fs.copyFile(path.join(dbDir, `lambda.${ext}`), path.join(dir, `phage.${ext}`));
      const metadata = {
        version: '1.2',
        dbname: 'phage',
        dbtype: 'Nucleotide',
        'db-version': 5,
        description: 'Enterobacteria phage lambda',
        'number-of-letters': 48502,
        'number-of-sequences': 1,
        'last-updated': '2024-02-02T23:59:00',
        'number-of-volumes': 1,
        files: ['phage.nhr', 'phage.nin', 'phage.nsq'],
      };
      await fs.writeFile(path.join(dir, 'phage.njs'), JSON.stringify(metadata, null, 2));
      expect(await listDatabases(dir)).toEqual([
        {
          name: 'phage',
          dbtype: 'nucl',
          title: 'Enterobacteria phage lambda',
          sequences: 1,
          letters: 48502,
          created: '2024-02-02T23:59:00',
          path: path.join(dir, 'phage'),
        },
      ]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('skips corrupt files instead of failing, and falls back to the index when only the JSON is bad', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-dbs-bad-'));
    try {
      for (const ext of ['nin', 'nhr', 'nsq']) await fs.copyFile(path.join(dbDir, `lambda.${ext}`), path.join(dir, `lambda.${ext}`));
      await fs.writeFile(path.join(dir, 'lambda.njs'), '{"number-of-sequences": ');
      await fs.writeFile(path.join(dir, 'orphan.pjs'), 'not json');
      await fs.writeFile(path.join(dir, 'broken.nin'), Buffer.from([0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]));
      await fs.writeFile(path.join(dir, 'broken.pal'), 'TITLE no volumes here\n');
      const dbs = await listDatabases(dir);
      expect(dbs.map((db) => [db.name, db.sequences, db.letters])).toEqual([['lambda', 1, 48502]]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('returns an empty list for a folder that does not exist', async () => {
    expect(await listDatabases(path.join(dbDir, 'no-such-folder'))).toEqual([]);
  });
});

describe('databaseExists', () => {
  it('finds databases by name and type, including split ones, and nothing outside the folder', async () => {
    expect(await databaseExists(dbDir, 'lambda')).toBe(true);
    expect(await databaseExists(dbDir, 'lambda', 'nucl')).toBe(true);
    expect(await databaseExists(dbDir, 'lambda', 'prot')).toBe(false);
    expect(await databaseExists(dbDir, 'globins45', 'prot')).toBe(true);
    expect(await databaseExists(dbDir, 'big', 'nucl')).toBe(true);
    expect(await databaseExists(dbDir, 'nt')).toBe(false);
    expect(await databaseExists(path.join(dbDir, 'sub'), '../lambda')).toBe(false);
    expect(await databaseExists(dbDir, '')).toBe(false);
  });
});
