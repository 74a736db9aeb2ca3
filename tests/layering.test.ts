// The downhill house of STYLE.md, for the arrows that once ran the wrong way: storage owns its
// types and imports nothing above it, and the HTTP adapter reaches files only through JobService.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/harness.js';

// Every module the files of a (flat) folder import, as paths from the repository root ("src/jobs/job-model.ts").
async function importsOf(folder: string): Promise<{ file: string; target: string }[]> {
  const found: { file: string; target: string }[] = [];
  for (const name of await fs.readdir(path.join(REPO, folder))) {
    if (!name.endsWith('.ts')) continue;
    const file = path.join(folder, name);
    const text = await fs.readFile(path.join(REPO, file), 'utf8');
    for (const match of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
      const target = path.normalize(path.join(path.dirname(file), match[1]!)).replace(/\.js$/, '.ts');
      found.push({ file, target });
    }
  }
  return found;
}

describe('imports', () => {
  it('src/storage imports nothing from the layers above it', async () => {
    const imports = await importsOf('src/storage');
    expect(imports.length).toBeGreaterThan(10); // the scan read the folder
    const upward = imports.filter(({ target }) => /^(src\/(jobs|mcp|http|cli|inputs)|worker|tools)\//.test(target) || target === 'src/runtime.ts');
    expect(upward).toEqual([]);
  });

  it('worker/ knows nothing of MCP or HTTP: what servers show of workers and metrics goes through Redis', async () => {
    const imports = await importsOf('worker');
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter(({ target }) => /^src\/(http|mcp|cli)\//.test(target))).toEqual([]);
  });

  it('src/http reaches stored files only through JobService, never a store', async () => {
    const imports = await importsOf('src/http');
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter(({ target }) => target.startsWith('src/storage/'))).toEqual([]);
  });
});
