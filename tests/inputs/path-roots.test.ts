import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInsideRoots, resolveInsideRoots } from '../../src/inputs/path-roots.js';
import { inputInvalid } from './expect-error.js';
import { makeTempDir, writeFile } from './temp-dir.js';

describe('isInsideRoots', () => {
  it.each([
    ['/data/q.fa', ['/data'], true],
    ['/data', ['/data'], true],
    ['/data/sub/deeper/q.fa', ['/data'], true],
    ['/data/..hidden.fa', ['/data'], true],
    ['/data/q.fa', ['/data/'], true],
    ['/srv/q.fa', ['/data', '/srv'], true],
    ['/anything', ['/'], true],
    ['/data2/q.fa', ['/data'], false],
    ['/data2', ['/data'], false],
    ['/dat', ['/data'], false],
    ['/', ['/data'], false],
    ['/etc/passwd', ['/data'], false],
    ['/data/../etc/passwd', ['/data'], false],
    ['data/q.fa', ['/data'], false],
    ['/data/q.fa', ['data'], false],
    ['/data/q.fa', [], false],
  ] as const)('%s in %j → %s', (p, roots, expected) => {
    expect(isInsideRoots(p, roots)).toBe(expected);
  });
});

describe('resolveInsideRoots on real folders', () => {
  let tmp: string;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    tmp = await makeTempDir('roots');
    root = path.join(tmp, 'root');
    outside = path.join(tmp, 'outside');
    await writeFile(path.join(root, 'q.fa'), '>a\nACGT\n');
    await writeFile(path.join(outside, 'secret.fa'), '>secret\nACGT\n');
    await writeFile(path.join(outside, 'sub', 'x.fa'), '>x\nACGT\n');
    await writeFile(path.join(tmp, 'etc', 'passwd'), 'root:x:0:0\n');
    await fs.symlink(path.join(outside, 'secret.fa'), path.join(root, 'link.fa'));
    await fs.symlink(outside, path.join(root, 'linkdir'));
    await fs.symlink(path.join(outside, 'sub'), path.join(root, 'linksub'));
    await fs.symlink(root, path.join(tmp, 'rootlink'));
    await fs.symlink(path.join(root, 'loop-b'), path.join(root, 'loop-a'));
    await fs.symlink(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
    await writeFile(path.join(tmp, 'data', 'in.fa'), '>a\nACGT\n');
    await writeFile(path.join(tmp, 'data2', 'q.fa'), '>a\nACGT\n');
  });

  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('returns the real path of a file inside a root', async () => {
    await expect(resolveInsideRoots('query', path.join(root, 'q.fa'), [root])).resolves.toBe(path.join(root, 'q.fa'));
  });

  it('refuses root/../ traversal to a file that exists outside', async () => {
    const p = `${root}/../etc/passwd`;
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root})`,
    ));
  });

  it('refuses traversal to the system /etc/passwd', async () => {
    const p = `${root}/../../../../../../../../etc/passwd`;
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root})`,
    ));
  });

  it('says "outside", not "no such file", for a missing file outside the roots', async () => {
    const p = `${root}/../nowhere/missing.fa`;
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root})`,
    ));
  });

  it('refuses a symlink inside a root that points outside', async () => {
    const p = path.join(root, 'link.fa');
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`,
    ));
  });

  it('refuses a file reached through a symlinked folder that leads outside', async () => {
    const p = path.join(root, 'linkdir', 'secret.fa');
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`,
    ));
  });

  it('refuses a missing file under a symlinked folder that leads outside, without saying whether it exists', async () => {
    const p = path.join(root, 'linkdir', 'missing.fa');
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`,
    ));
  });

  it('resolves ".." after symlinks, as the kernel does, not as text', async () => {
    // root/linksub -> outside/sub, so root/linksub/../secret.fa is outside/secret.fa, although
    // path.normalize would call it root/secret.fa.
    const p = `${root}/linksub/../secret.fa`;
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${root}) once symbolic links are resolved`,
    ));
  });

  it('accepts files in a root that is itself a symlink, by either name', async () => {
    const rootLink = path.join(tmp, 'rootlink');
    await expect(resolveInsideRoots('query', path.join(rootLink, 'q.fa'), [rootLink])).resolves.toBe(path.join(root, 'q.fa'));
    await expect(resolveInsideRoots('query', path.join(root, 'q.fa'), [rootLink])).resolves.toBe(path.join(root, 'q.fa'));
  });

  it('does not take /data2 for part of /data', async () => {
    const data = path.join(tmp, 'data');
    const p = path.join(tmp, 'data2', 'q.fa');
    await expect(resolveInsideRoots('query', path.join(data, 'in.fa'), [data])).resolves.toBe(path.join(data, 'in.fa'));
    await expect(resolveInsideRoots('query', p, [data])).rejects.toMatchObject(inputInvalid(`query: "${p}" is outside the input roots (${data})`));
  });

  it('checks every root and lists them all when refusing', async () => {
    const data = path.join(tmp, 'data');
    await expect(resolveInsideRoots('query', path.join(root, 'q.fa'), [data, root])).resolves.toBe(path.join(root, 'q.fa'));
    const p = path.join(outside, 'secret.fa');
    await expect(resolveInsideRoots('query', p, [data, root])).rejects.toMatchObject(inputInvalid(
      `query: "${p}" is outside the input roots (${data}, ${root})`,
    ));
  });

  it('says a missing file inside a root is missing', async () => {
    const p = path.join(root, 'missing.fa');
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(`query: no such file: "${p}"`));
  });

  it('names a symlink loop', async () => {
    const p = path.join(root, 'loop-a');
    await expect(resolveInsideRoots('query', p, [root])).rejects.toMatchObject(inputInvalid(`query: "${p}" has a loop of symbolic links`));
  });

  it('refuses every path when no roots are configured', async () => {
    await expect(resolveInsideRoots('query', path.join(root, 'q.fa'), [])).rejects.toMatchObject(inputInvalid(
      'query: local paths are not accepted: set BIO_QUEUE_INPUT_ROOTS to the folders that may be read, or pass FASTA text or an http(s):// URL',
    ));
  });

  it('refuses a relative path', async () => {
    await expect(resolveInsideRoots('query', 'q.fa', [root])).rejects.toMatchObject(inputInvalid('query: "q.fa" is not an absolute path'));
  });

  it('ignores a configured root that does not exist', async () => {
    const gone = path.join(tmp, 'gone');
    await expect(resolveInsideRoots('query', path.join(root, 'q.fa'), [gone, root])).resolves.toBe(path.join(root, 'q.fa'));
    const p = path.join(gone, 'q.fa');
    await expect(resolveInsideRoots('query', p, [gone])).rejects.toMatchObject(
      inputInvalid(`query: "${p}" is outside the input roots (${gone}): the input root ${gone} does not exist`),
    );
  });

  it('marks its refusals as input errors', async () => {
    const err = await resolveInsideRoots('query', '/etc/passwd', [root]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'BioQueueError', code: 'input_invalid', details: { field: 'query' } });
  });
});
