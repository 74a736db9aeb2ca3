// A work dir goes whole: nested folders, files, links (never followed: what a link points to
// outside stays), and a dir already gone is no error.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTree } from '../../worker/remove-tree.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'remove-tree-'));
});
afterEach(async () => fs.rm(root, { recursive: true, force: true }));

describe('removeTree', () => {
  it('removes nested folders and files, and unlinks symbolic links without following them', async () => {
    const outside = path.join(root, 'outside');
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'keep.txt'), 'kept');
    const dir = path.join(root, 'job');
    await fs.mkdir(path.join(dir, 'inputs', 'deeper', 'deepest'), { recursive: true });
    await fs.mkdir(path.join(dir, 'tmp'));
    await fs.writeFile(path.join(dir, 'hits.tsv'), 'r1\thit\n');
    await fs.writeFile(path.join(dir, 'inputs', 'query.fa'), '>r1\nACGT\n');
    await fs.writeFile(path.join(dir, 'inputs', 'deeper', 'deepest', 'x'), '');
    await fs.symlink(outside, path.join(dir, 'link-to-folder'));
    await fs.symlink(path.join(outside, 'keep.txt'), path.join(dir, 'inputs', 'link-to-file'));
    await fs.symlink(path.join(root, 'nowhere'), path.join(dir, 'dangling'));

    await removeTree(dir);

    expect(await fs.readdir(root)).toEqual(['outside']);
    expect(await fs.readFile(path.join(outside, 'keep.txt'), 'utf8')).toBe('kept');
  });

  it('is done at once for a dir that is not there', async () => {
    await expect(removeTree(path.join(root, 'never-made'))).resolves.toBeUndefined();
  });

  it('removes a dir with a fifo and an empty folder in it', async () => {
    const dir = path.join(root, 'job');
    await fs.mkdir(path.join(dir, 'empty'), { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    await removeTree(dir);
    expect(await fs.readdir(root)).toEqual([]);
  });
});
