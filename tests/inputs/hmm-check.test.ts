// HMMER profiles: the three fixture models, alone and pressed together as hmmscan's database
// would be, counted as hmmstat lists them; and the truncated file hmmstat and hmmsearch both
// accept with exit 0, refused.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInputFile, checkInputText } from '../../src/inputs/check-input.js';
import { tool, toolText } from './bio-tools.js';
import { caught, inputInvalid } from './expect-error.js';
import { FIXTURES, makeTempDir, writeFile } from './temp-dir.js';

const PROFILE = { formats: ['hmm'], keepIds: true } as const;
const MODELS = ['globins4.hmm', 'fn3.hmm', 'Pkinase.hmm'];

let tmp: string;
let n = 0;
const at = (name: string) => path.join(tmp, `${++n}-${name}`);
const read = (name: string) => fs.readFile(path.join(FIXTURES, name), 'utf8');
// Model names as hmmstat lists them: the second column of its table rows.
const hmmstatNames = async (file: string) =>
  (await toolText('hmmstat', [file], tmp))
    .split('\n')
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => l.split(/\s+/)[1]);

beforeAll(async () => {
  tmp = await makeTempDir('hmm');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('HMMER profiles', () => {
  it.each(MODELS)('%s holds one model, named as hmmstat names it', async (name) => {
    const file = path.join(FIXTURES, name);
    const check = await checkInputFile('profile', file, PROFILE);
    expect(check).toMatchObject({ format: 'hmm', gzip: false, records: 1, residues: 0, ids: await hmmstatNames(file) });
    expect(check.records).toBe((await read(name)).split('\n').filter((l) => l.startsWith('//')).length);
  });

  it('counts the three models of the concatenated database, gzipped too', async () => {
    const all = await writeFile(at('minipfam.hmm'), (await Promise.all(MODELS.map(read))).join(''));
    const check = await checkInputFile('profile', all, PROFILE);
    expect(check).toMatchObject({ records: 3, ids: ['globins4', 'fn3', 'Pkinase'] });
    expect(check.ids).toEqual(await hmmstatNames(all));
    const gz = await writeFile(at('minipfam.hmm.gz'), (await tool('gzip', ['-c', all], tmp)).stdout);
    await expect(checkInputFile('profile', gz, PROFILE)).resolves.toEqual({ ...check, gzip: true });
  });
});

describe('refused profiles', () => {
  it('refuses a profile cut short, which hmmstat lists as nothing with exit 0', async () => {
    const cut = await writeFile(at('cut.hmm'), `${(await read('Pkinase.hmm')).split('\n').slice(0, 60).join('\n')}\n`);
    expect(await hmmstatNames(cut)).toEqual([]);
    await expect(checkInputFile('profile', cut, PROFILE)).rejects.toMatchObject(
      inputInvalid('profile: model 1 (Pkinase), begun at line 1, is cut short: the file ends before its "//" line'),
    );
  });

  it('names the second model when it is the one cut short', async () => {
    const globins = await read('globins4.hmm');
    const fn3 = (await read('fn3.hmm')).split('\n').slice(0, 30).join('\n');
    const cut = await writeFile(at('cut2.hmm'), globins + fn3);
    await expect(checkInputFile('profile', cut, PROFILE)).rejects.toMatchObject(
      inputInvalid(`profile: model 2 (fn3), begun at line ${globins.split('\n').length}, is cut short: the file ends before its "//" line`),
    );
  });

  it('refuses a model without NAME, text between models, and a file that is not a profile', async () => {
    const globins = await read('globins4.hmm');
    expect(caught(() => checkInputText('profile', globins.replace(/^NAME .*\n/m, ''), PROFILE))).toMatchObject(
      inputInvalid('profile: model 1, begun at line 1, has no NAME line'),
    );
    const lines = globins.split('\n').length;
    expect(caught(() => checkInputText('profile', `${globins}junk\n`, PROFILE))).toMatchObject(
      inputInvalid(`profile: line ${lines} should start model 2 with "HMMER3/" but reads "junk"`),
    );
    await expect(checkInputFile('profile', path.join(FIXTURES, 'bad', 'not_fasta.txt'), PROFILE)).rejects.toMatchObject(
      inputInvalid('profile: not an HMMER profile: line 1 should start with "HMMER3/" but reads "this is not a FASTA file"'),
    );
  });

  it('refuses sequences where a profile is needed', async () => {
    await expect(checkInputFile('profile', path.join(FIXTURES, 'globins45.fa'), PROFILE)).rejects.toMatchObject(
      inputInvalid('profile: is FASTA, but this needs an HMMER profile'),
    );
  });
});
