// Which compiled files the built CLI loads, for the tests that check what ships with it (the
// Docker image's COPY lines, the npm tarball): followed through relative static and dynamic
// imports, as Node resolves them.
import fs from 'node:fs/promises';
import path from 'node:path';

// Every compiled file reachable from entry through relative static and dynamic imports.
export async function compiledImportGraph(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = await fs.readFile(file, 'utf8');
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      pending.push(path.resolve(path.dirname(file), m[1]!));
    }
  }
  return seen;
}
