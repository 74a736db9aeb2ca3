// A remembered PATH lookup answers as findOnPath would after a tool is installed, removed or made
// unexecutable, in real temporary folders on PATH, and walks PATH again only when it must.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/system/probe-binary.js';
import { rememberedPathLookup } from '../../src/system/remembered-path.js';

let root: string;
let first: string;
let second: string;
let searchPath: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-remembered-path-'));
  first = path.join(root, 'a');
  second = path.join(root, 'b');
  await fs.mkdir(first);
  await fs.mkdir(second);
  searchPath = [first, second].join(path.delimiter);
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

async function install(dir: string, name: string, mode = 0o755): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, '#!/bin/sh\nexit 0\n', { mode });
  await fs.chmod(file, mode);
  return file;
}

// findOnPath, counting the walks.
function countingFind() {
  const counter = { walks: 0, find: (binary: string, p: string) => (counter.walks++, findOnPath(binary, p)) };
  return counter;
}

describe('rememberedPathLookup', () => {
  it('walks PATH once for a binary that stays, and finds one installed after a miss at once', async () => {
    const counter = countingFind();
    const lookup = rememberedPathLookup(counter.find);
    expect(await lookup('tool-one', searchPath)).toBeUndefined();
    const installed = await install(second, 'tool-one');
    expect(await lookup('tool-one', searchPath)).toBe(installed);
    const walksSoFar = counter.walks;
    expect(await lookup('tool-one', searchPath)).toBe(installed);
    expect(await lookup('tool-one', searchPath)).toBe(installed);
    expect(counter.walks).toBe(walksSoFar);
  });

  it('looks again once the remembered binary is removed or no longer executable', async () => {
    const counter = countingFind();
    const lookup = rememberedPathLookup(counter.find);
    const early = await install(first, 'tool-two');
    const late = await install(second, 'tool-two');
    expect(await lookup('tool-two', searchPath)).toBe(early);
    await fs.rm(early);
    expect(await lookup('tool-two', searchPath)).toBe(late);
    await fs.chmod(late, 0o644);
    expect(await lookup('tool-two', searchPath)).toBeUndefined();
    expect(await lookup('tool-two', searchPath)).toBe(await findOnPath('tool-two', searchPath));
  });

  it('keeps one answer per PATH: the same name on another PATH is its own lookup', async () => {
    const lookup = rememberedPathLookup();
    const inFirst = await install(first, 'tool-three');
    const inSecond = await install(second, 'tool-three');
    expect(await lookup('tool-three', searchPath)).toBe(inFirst);
    expect(await lookup('tool-three', second)).toBe(inSecond);
  });
});
