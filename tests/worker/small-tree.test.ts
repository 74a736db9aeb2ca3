// A small work dir is looked at and removed in place; one over the budget is left to the walk and
// the removal through the thread pool, untouched until then. Both count as du does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTree } from '../../worker/remove-tree.js';
import { diskUsageInPlace, IN_PLACE_TREE, removeSmallTreeInPlace } from '../../worker/small-tree.js';
import { diskUsage } from '../../worker/work-dir-usage.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'small-tree-'));
});
afterEach(async () => fs.rm(root, { recursive: true, force: true }));

// A tiny job's dir: its input, output and stderr, two folders, a link out of it.
async function tinyJobDir(): Promise<string> {
  const dir = path.join(root, 'job');
  await fs.mkdir(path.join(dir, 'inputs'), { recursive: true });
  await fs.mkdir(path.join(dir, 'tmp', 'deeper'), { recursive: true });
  await fs.writeFile(path.join(dir, 'inputs', 'query.fa'), '>r1\nACGT\n');
  await fs.writeFile(path.join(dir, 'hits.tsv'), 'r1\thit\n'.repeat(500));
  await fs.writeFile(path.join(dir, 'tmp', 'deeper', 'scratch'), 'x');
  await fs.writeFile(path.join(dir, '.stderr-1-0'), '');
  await fs.symlink(path.join(root, 'outside'), path.join(dir, 'link-out'));
  return dir;
}

async function manyFiles(count: number): Promise<string> {
  const dir = path.join(root, 'many');
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  for (let i = 0; i < count; i++) await fs.writeFile(path.join(dir, i % 2 ? 'sub' : '', `f${i}`), String(i));
  return dir;
}

// du's figure for everything under dir, without the dir's own blocks (as the worker counts it).
function duUnder(dir: string): number {
  const all = Number(execFileSync('du', ['-s', '-B1', dir], { encoding: 'utf8' }).split('\t')[0]);
  const [blocks, blockSize] = execFileSync('stat', ['-c', '%b %B', dir], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return all - blocks! * blockSize!;
}

async function listing(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { recursive: true })).map(String).sort();
}

describe('removeSmallTreeInPlace', () => {
  it('removes a small dir whole, unlinking links without following them', async () => {
    await fs.mkdir(path.join(root, 'outside'));
    await fs.writeFile(path.join(root, 'outside', 'keep'), 'kept');
    const dir = await tinyJobDir();
    expect(removeSmallTreeInPlace(dir)).toBe(true);
    expect(await fs.readdir(root)).toEqual(['outside']);
    expect(await fs.readFile(path.join(root, 'outside', 'keep'), 'utf8')).toBe('kept');
  });

  it('leaves a tree with more entries than the budget untouched; removeTree then removes it through the pool', async () => {
    const dir = await manyFiles(IN_PLACE_TREE.entries + 1);
    const before = await listing(dir);
    expect(removeSmallTreeInPlace(dir)).toBe(false);
    expect(await listing(dir)).toEqual(before);
    await removeTree(dir);
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('counts only the blocks an unlink frees: a large file is left, the same file linked elsewhere is not', async () => {
    const dir = path.join(root, 'job');
    await fs.mkdir(dir);
    const large = path.join(dir, 'large.bin');
    await fs.writeFile(large, Buffer.alloc(64 * 1024, 7));
    const budget = { entries: IN_PLACE_TREE.entries, freedBytes: 32 * 1024 };
    expect(removeSmallTreeInPlace(dir, budget)).toBe(false);
    expect(await listing(dir)).toEqual(['large.bin']);
    // Linked into a store, as a job's output is: unlinking the work dir's name frees nothing.
    await fs.link(large, path.join(root, 'stored.bin'));
    expect(removeSmallTreeInPlace(dir, budget)).toBe(true);
    expect(await fs.readdir(root)).toEqual(['stored.bin']);
  });

  it('throws for a dir that is not there, and removeTree takes that as done', async () => {
    expect(() => removeSmallTreeInPlace(path.join(root, 'never-made'))).toThrow(/ENOENT/);
    await expect(removeTree(path.join(root, 'never-made'))).resolves.toBeUndefined();
  });
});

describe('diskUsageInPlace', () => {
  it('counts what du counts under a small dir, a hard link once', async () => {
    const dir = await tinyJobDir();
    await fs.link(path.join(dir, 'hits.tsv'), path.join(dir, 'tmp', 'hits-again.tsv'));
    const used = diskUsageInPlace(dir);
    expect(used).toBeGreaterThan(0);
    expect(used).toBe(duUnder(dir));
  });

  it('gives up past its budget of entries, and the walk through the pool counts the same as du', async () => {
    const dir = await manyFiles(IN_PLACE_TREE.entries + 1);
    expect(diskUsageInPlace(dir)).toBeUndefined();
    expect(await diskUsage(dir)).toBe(duUnder(dir));
    expect(diskUsageInPlace(dir, IN_PLACE_TREE.entries + 2)).toBe(duUnder(dir));
  });

  it('counts a dir that is not there as nothing', () => {
    expect(diskUsageInPlace(path.join(root, 'gone'))).toBe(0);
  });
});
