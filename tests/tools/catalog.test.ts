// The catalog as data: every tool file is indexed, the MCP names are the product's, argv is an
// array of strings that never carries user text where a staged file belongs, and the schemas
// refuse what could reach a command line as an option or a path.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Priority } from '../../src/jobs/job-model.js';
import { mcpToolName } from '../../src/mcp/catalog-tools.js';
import type { AnyToolDefinition, RunContext } from '../../tools/define-tool.js';
import { catalog } from '../../tools/index.js';
import { REPO } from '../support/harness.js';

const TOOLS_DIR = path.join(REPO, 'tools');
/** Files in tools/ that are not tools: the shape, the index, and helpers shared by the BLAST programs. */
const NOT_TOOLS = /^(define-tool|index|blast-[a-z-]+)\.ts$/;

const NUCLEOTIDE = '>query_one some description\nACGTTGCAACGTAGCTAGCTAGGCTAACGATCGATCGTAGCTAGCTAGCTAGCATCGAT\n';
const PROTEIN = '>protein_one\nMVHLTPEEKSAVTALWGKVNVDEVGGEALGRLLVVYPWTQRFFESFGDLST\n';

/** Per tool: the smallest valid input, and the fields that name a BLAST database. */
const MINIMAL: Record<string, { input: Record<string, unknown>; databaseFields: string[] }> = {
  blastn: { input: { query: NUCLEOTIDE, database: 'lambda' }, databaseFields: ['database'] },
  blastp: { input: { query: PROTEIN, database: 'globins45' }, databaseFields: ['database'] },
  blastx: { input: { query: NUCLEOTIDE, database: 'globins45' }, databaseFields: ['database'] },
  tblastn: { input: { query: PROTEIN, database: 'lambda' }, databaseFields: ['database'] },
  tblastx: { input: { query: NUCLEOTIDE, database: 'lambda' }, databaseFields: ['database'] },
  make_blast_db: { input: { input: NUCLEOTIDE, name: 'lambda', dbtype: 'nucl' }, databaseFields: ['name'] },
};

const DATABASE_NAME_RULE = 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (see list_databases)';

// What the worker would hand argv(): each input file under its staged name.
function runContext(tool: AnyToolDefinition): RunContext {
  return { files: Object.fromEntries(tool.inputFiles.map((f) => [f.param, f.stagedName])), dbDir: '/srv/blast dbs', threads: 2 };
}

function minimal(tool: AnyToolDefinition) {
  const entry = MINIMAL[tool.name];
  if (!entry) throw new Error(`tests/tools/catalog.test.ts has no minimal input for "${tool.name}": add one to MINIMAL`);
  return entry;
}

// Exported values of a module that have the shape of a catalog entry.
function definitionsIn(module: Record<string, unknown>): unknown[] {
  return Object.values(module).filter(
    (v) => typeof v === 'object' && v !== null && typeof (v as AnyToolDefinition).name === 'string' && typeof (v as AnyToolDefinition).argv === 'function',
  );
}

describe('the catalog', () => {
  it('indexes every tool file in tools/', async () => {
    const files = (await fs.readdir(TOOLS_DIR)).filter((f) => f.endsWith('.ts') && !NOT_TOOLS.test(f)).sort();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(TOOLS_DIR, file)).href)) as Record<string, unknown>;
      const definitions = definitionsIn(module);
      expect(definitions.length, `tools/${file} exports no tool definition`).toBeGreaterThan(0);
      for (const definition of definitions) expect(catalog, `tools/${file}: missing from tools/index.ts`).toContain(definition);
    }
    expect(catalog.length).toBe(files.length);
  });

  it('has unique names', () => {
    const names = catalog.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives exactly the MCP tool names of the public contract', () => {
    expect(catalog.map(mcpToolName).sort()).toEqual(
      ['blastn_async', 'blastp_async', 'blastx_async', 'make_blast_db_async', 'tblastn_async', 'tblastx_async'].sort(),
    );
  });

  it('has a minimal input here for every tool and no other', () => {
    expect(Object.keys(MINIMAL).sort()).toEqual(catalog.map((t) => t.name).sort());
  });
});

describe.each(catalog.map((tool) => [tool.name, tool] as const))('%s', (_name, tool) => {
  it('has a description of at least 200 characters for an assistant, mentioning job_id', () => {
    expect(tool.description.length).toBeGreaterThanOrEqual(200);
    expect(tool.description).toContain('job_id');
  });

  it('builds argv as strings starting with its binary, with staged file names instead of the input text', () => {
    const params = tool.input.parse(minimal(tool).input);
    const argv = tool.argv(params, runContext(tool));
    expect(argv.length).toBeGreaterThan(1);
    for (const arg of argv) expect(typeof arg).toBe('string');
    expect(argv[0]).toBe(tool.binary);
    for (const file of tool.inputFiles) {
      expect(argv).toContain(file.stagedName);
      const raw = minimal(tool).input[file.param] as string;
      for (const arg of argv) {
        expect(arg).not.toContain(raw.trim());
        expect(arg).not.toContain(raw.split('\n')[1]);
      }
    }
  });

  it('keeps a path input out of argv too', () => {
    const input = { ...minimal(tool).input };
    for (const file of tool.inputFiles) input[file.param] = '/home/you/sequences/reads.fa';
    const argv = tool.argv(tool.input.parse(input), runContext(tool));
    expect(argv.filter((a) => a.includes('/home/you'))).toEqual([]);
  });

  const hostile = ['x;rm -rf /', '$(id)', 'a b', '../x', '-remote', '`id`', 'a|b', 'x\ny', ''];
  it.each(hostile)('refuses %j as a database name, saying why', (name) => {
    for (const field of minimal(tool).databaseFields) {
      const result = tool.input.safeParse({ ...minimal(tool).input, [field]: name });
      expect(result.success).toBe(false);
      const issue = result.error!.issues.find((i) => i.path[0] === field);
      expect(issue?.message).toBe(DATABASE_NAME_RULE);
    }
  });

  it('refuses unknown keys, naming them', () => {
    const result = tool.input.safeParse({ ...minimal(tool).input, shell: 'sh -c id', num_threads: 64 });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['shell', 'num_threads'] })]);
  });

  it('still refuses unknown keys once the MCP adapter adds priority', () => {
    const withPriority = tool.input.extend({ priority: Priority });
    expect(withPriority.safeParse({ ...minimal(tool).input, priority: 5 }).success).toBe(true);
    expect(withPriority.safeParse({ ...minimal(tool).input, priority: 5, shell: 'x' }).success).toBe(false);
  });
});
