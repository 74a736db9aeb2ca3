// The in-place bookkeeping calls: small text written whole (and large text too, through the pool),
// an abort honoured before anything is written, a missing file that is no error where it should
// not be, and the errors that are still errors.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SMALL_FILE_BYTES, statIfThere, unlinkIfThere, writeSmallFile } from '../../worker/in-place-files.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'in-place-files-'));
});
afterEach(async () => fs.rm(root, { recursive: true, force: true }));

describe('writeSmallFile', () => {
  it('writes small text, multi-byte characters included, as it is', async () => {
    const file = path.join(root, 'query.fa');
    const text = '>r1 façade µ\nACGT\n';
    await writeSmallFile(file, text);
    expect(await fs.readFile(file, 'utf8')).toBe(text);
  });

  it('writes text over the in-place size whole as well', async () => {
    const file = path.join(root, 'large.fa');
    const text = `>big\n${'ACGT'.repeat(SMALL_FILE_BYTES / 2)}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(SMALL_FILE_BYTES);
    await writeSmallFile(file, text);
    expect((await fs.stat(file)).size).toBe(Buffer.byteLength(text));
    expect(await fs.readFile(file, 'utf8')).toBe(text);
  });

  it('writes nothing once the job is aborted', async () => {
    const file = path.join(root, 'cancelled.fa');
    const controller = new AbortController();
    controller.abort();
    await expect(writeSmallFile(file, '>r1\nACGT\n', controller.signal)).rejects.toThrow();
    expect(statIfThere(file)).toBeUndefined();
  });
});

describe('statIfThere and unlinkIfThere', () => {
  it('say a missing file is not there, and unlinking it is no error', () => {
    const file = path.join(root, 'never-written');
    expect(statIfThere(file)).toBeUndefined();
    expect(() => unlinkIfThere(file)).not.toThrow();
  });

  it('stat and unlink a file that is there', async () => {
    const file = path.join(root, '.stderr-1-0');
    await fs.writeFile(path.join(root, '.stderr-1-0'), 'warning\n');
    expect(statIfThere(file)?.size).toBe(8);
    unlinkIfThere(file);
    expect(statIfThere(file)).toBeUndefined();
  });

  it('still throw for what is not a missing file', async () => {
    await fs.mkdir(path.join(root, 'folder'));
    // A folder is not unlinked (EISDIR), and a link to itself is never resolved (ELOOP). (A path
    // through a file, ENOTDIR, throws on Node 20 and reads as not there on Node 22.)
    expect(() => unlinkIfThere(path.join(root, 'folder'))).toThrow(/EISDIR|EPERM/);
    await fs.symlink(path.join(root, 'loop'), path.join(root, 'loop'));
    expect(() => statIfThere(path.join(root, 'loop'))).toThrow(/ELOOP/);
  });
});
