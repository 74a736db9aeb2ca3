// README.md's generated tables must be what the code says now, and every BIO_* variable the
// user-facing files mention must be one src/config.ts reads: a renamed or dropped variable
// fails here instead of in a user's deployment.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariables } from '../../src/config.js';
import { readSection, renderConfigTable, renderToolsTable, updateReadme } from '../../scripts/generate-docs.js';
import { REPO } from '../support/harness.js';

const readme = () => fs.readFile(path.join(REPO, 'README.md'), 'utf8');
const STALE = 'README.md is out of date with the code: run `npm run docs` and commit the result';

// Every BIO_* name in a text; a name ending in "_" (as in "BIO_QUEUE_*") is a prefix.
function bioVariables(text: string): string[] {
  return [...new Set(text.match(/\bBIO_[A-Z0-9_]+/g) ?? [])].sort();
}

describe('README.md generated tables', () => {
  it('has the tools table the catalog and job tools render now', async () => {
    expect(readSection(await readme(), 'tools').content, STALE).toBe(renderToolsTable());
  });

  it('has the configuration table configVariables renders now', async () => {
    expect(readSection(await readme(), 'config').content, STALE).toBe(renderConfigTable());
  });

  it('is left unchanged by the generator (so `npm run docs` is idempotent and touches only the tables)', async () => {
    const text = await readme();
    expect(updateReadme(text), STALE).toBe(text);
  });

  it('documents every configuration variable in the table', async () => {
    const table = readSection(await readme(), 'config').content;
    const rows = [...table.matchAll(/^\| `(BIO_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(Object.keys(configVariables));
  });
});

describe('updateReadme', () => {
  it('replaces only the text between the markers', () => {
    const text = 'intro\n<!-- generated:tools:start -->\nold\n<!-- generated:tools:end -->\nmiddle\n<!-- generated:config:start -->\n<!-- generated:config:end -->\nend\n';
    expect(updateReadme(text)).toBe(
      `intro\n<!-- generated:tools:start -->\n${renderToolsTable()}\n<!-- generated:tools:end -->\nmiddle\n` +
        `<!-- generated:config:start -->\n${renderConfigTable()}\n<!-- generated:config:end -->\nend\n`,
    );
  });

  it('names the missing marker', () => {
    expect(() => updateReadme('<!-- generated:tools:start -->\n<!-- generated:tools:end -->\n')).toThrow(
      'README.md has no "<!-- generated:config:start -->" marker',
    );
    expect(() => updateReadme('<!-- generated:tools:start -->\n')).toThrow(
      'README.md has no "<!-- generated:tools:end -->" marker after "<!-- generated:tools:start -->"',
    );
  });
});

describe('BIO_* variables mentioned in user-facing files', () => {
  for (const file of ['README.md', 'docker-compose.yml', 'Dockerfile', 'mcp.config.example.json']) {
    it(`${file} mentions only variables src/config.ts reads`, async () => {
      const names = bioVariables(await fs.readFile(path.join(REPO, file), 'utf8'));
      const known = Object.keys(configVariables);
      const unknown = names.filter((n) => (n.endsWith('_') ? !known.some((k) => k.startsWith(n)) : !known.includes(n)));
      expect(unknown, `${file} mentions variables configVariables does not have`).toEqual([]);
    });
  }
});
