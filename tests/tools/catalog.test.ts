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
import { catalog, catalogBinaries, QUEUE_NAMES } from '../../tools/index.js';
import { DATABASE_NAME_RULE } from '../../tools/common-options.js';
import { REPO } from '../support/harness.js';

const TOOLS_DIR = path.join(REPO, 'tools');
/** The queue families of the public contract. */
const FAMILIES = ['blast', 'align', 'variant', 'qc', 'msa', 'hmm'];

const NUCLEOTIDE = '>query_one some description\nACGTTGCAACGTAGCTAGCTAGGCTAACGATCGATCGTAGCTAGCTAGCTAGCATCGAT\n';
const PROTEIN = '>protein_one\nMVHLTPEEKSAVTALWGKVNVDEVGGEALGRLLVVYPWTQRFFESFGDLST\n';
const READS = '@read_one\nACGTTGCAACGTAGCTAGCTAGGCTAACGATCGAT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n';
// The schema only sees a string; the model's content is checked when the job is submitted.
const PROFILE = 'HMMER3/f [3.3.2 | Nov 2020]\nNAME  tiny_model\nLENG  1\nALPH  amino\n//\n';
const SAM = '@SQ\tSN:chr1\tLN:100\nread_one\t0\tchr1\t1\t60\t10M\t*\t0\t0\tACGTTGCAAC\tIIIIIIIIII\n';

/** Per tool: the smallest valid input, and the fields that name a database. */
const MINIMAL: Record<string, { input: Record<string, unknown>; databaseFields: string[] }> = {
  blastn: { input: { query: NUCLEOTIDE, database: 'lambda' }, databaseFields: ['database'] },
  blastp: { input: { query: PROTEIN, database: 'globins45' }, databaseFields: ['database'] },
  blastx: { input: { query: NUCLEOTIDE, database: 'globins45' }, databaseFields: ['database'] },
  tblastn: { input: { query: PROTEIN, database: 'lambda' }, databaseFields: ['database'] },
  tblastx: { input: { query: NUCLEOTIDE, database: 'lambda' }, databaseFields: ['database'] },
  make_blast_db: { input: { input: NUCLEOTIDE, name: 'lambda', dbtype: 'nucl' }, databaseFields: ['name'] },
  bwa_mem: { input: { reference: NUCLEOTIDE, reads_1: READS, reads_2: READS }, databaseFields: [] },
  hmmsearch: { input: { profile: PROFILE, sequences: PROTEIN }, databaseFields: [] },
  // profiles may be a library's name, but a name is an input reference (checked at submit), not a schema field.
  hmmscan: { input: { sequences: PROTEIN, profiles: PROFILE }, databaseFields: [] },
  fastp: { input: { reads_1: READS, reads_2: READS }, databaseFields: [] },
  seqkit_stats: { input: { sequences: [NUCLEOTIDE, READS] }, databaseFields: [] },
  minimap2: { input: { reference: NUCLEOTIDE, reads: READS, reads_2: READS }, databaseFields: [] },
  samtools_sort: { input: { alignments: SAM }, databaseFields: [] },
  samtools_flagstat: { input: { alignments: SAM }, databaseFields: [] },
  samtools_stats: { input: { alignments: SAM }, databaseFields: [] },
  samtools_view: { input: { alignments: SAM }, databaseFields: [] },
  mafft: { input: { sequences: PROTEIN + PROTEIN.replace('protein_one', 'protein_two') }, databaseFields: [] },
  bcftools_call: { input: { reference: NUCLEOTIDE, alignments: 'job://align-0000000000000001/aligned.bam' }, databaseFields: [] },
  diamond_makedb: { input: { input: PROTEIN, name: 'globins45' }, databaseFields: ['name'] },
  // database also takes FASTA (path, URL, inline…), so its names are checked at submit, not by the schema.
  diamond_blastp: { input: { query: PROTEIN, database: PROTEIN }, databaseFields: [] },
  diamond_blastx: { input: { query: NUCLEOTIDE, database: PROTEIN }, databaseFields: [] },
};

// What the worker would hand steps(): each input under a staged name, each index in a cache folder.
function runContext(tool: AnyToolDefinition, params: Record<string, unknown>): RunContext {
  const staged = (param: string) => `inputs/${param}.staged`;
  return {
    input: (param) => staged(param),
    inputs: (param) => ((params[param] as unknown[] | undefined) ?? []).map((_, i) => `${staged(param)}.${i}`),
    has: (param) => params[param] !== undefined,
    index: (param, kind) => `/srv/db dir/indexes/0123abcd/${kind.use({ source: kind.sourceName, variant: undefined })}.${param}`,
    threads: 2,
  };
}

function minimal(tool: AnyToolDefinition) {
  const entry = MINIMAL[tool.name];
  if (!entry) throw new Error(`tests/tools/catalog.test.ts has no minimal input for "${tool.name}": add one to MINIMAL`);
  return entry;
}

function argvOf(tool: AnyToolDefinition, raw: Record<string, unknown>): string[][] {
  const params = tool.input.parse(raw) as Record<string, unknown>;
  return tool.steps(params, runContext(tool, params)).flatMap((step) => step.pipeline.map((argv) => [...argv]));
}

// Exported values of a module that have the shape of a catalog entry.
// A tool definition names its queue and binaries; a pipeline's (tools/pipelines.ts) names neither.
function definitionsIn(module: Record<string, unknown>): unknown[] {
  return Object.values(module).filter(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as AnyToolDefinition).name === 'string' &&
      typeof (v as AnyToolDefinition).steps === 'function' &&
      typeof (v as AnyToolDefinition).queue === 'string' &&
      Array.isArray((v as AnyToolDefinition).binaries),
  );
}

describe('the catalog', () => {
  it('indexes every tool defined in tools/, and only those', async () => {
    const files = (await fs.readdir(TOOLS_DIR)).filter((f) => f.endsWith('.ts')).sort();
    const found: unknown[] = [];
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(TOOLS_DIR, file)).href)) as Record<string, unknown>;
      for (const definition of definitionsIn(module)) {
        expect(catalog, `tools/${file}: missing from tools/index.ts`).toContain(definition);
        found.push(definition);
      }
    }
    expect(new Set(found).size).toBe(catalog.length);
  });

  it('has unique names', () => {
    const names = catalog.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives exactly the MCP tool names of the public contract', () => {
    expect(catalog.map(mcpToolName).sort()).toEqual(
      [
        ...['blastn_async', 'blastp_async', 'blastx_async', 'tblastn_async', 'tblastx_async', 'make_blast_db_async'],
        ...['diamond_makedb_async', 'diamond_blastp_async', 'diamond_blastx_async'],
        ...['bwa_mem_async', 'minimap2_async', 'samtools_sort_async', 'samtools_flagstat_async', 'samtools_stats_async', 'samtools_view_async'],
        'bcftools_call_async',
        ...['fastp_async', 'seqkit_stats_async'],
        'mafft_async',
        ...['hmmsearch_async', 'hmmscan_async'],
      ].sort(),
    );
  });

  it('uses exactly the queue families of the contract, each by at least one tool', () => {
    expect([...QUEUE_NAMES].sort()).toEqual([...FAMILIES].sort());
  });

  it('has a minimal input here for every tool and no other', () => {
    expect(Object.keys(MINIMAL).sort()).toEqual(catalog.map((t) => t.name).sort());
  });

  it('lists each binary once, with how to install it', () => {
    for (const binary of catalogBinaries()) {
      expect(binary.install.apt, binary.name).toMatch(/^[a-z0-9.+-]+$/);
      expect(binary.install.conda, binary.name).toMatch(/^[a-z-]+ [a-z0-9.+-]+$/);
    }
  });
});

describe.each(catalog.map((tool) => [tool.name, tool] as const))('%s', (_name, tool) => {
  it('has a description of at least 200 characters for an assistant, mentioning job_id', () => {
    expect(tool.description.length).toBeGreaterThanOrEqual(200);
    expect(tool.description).toContain('job_id');
  });

  it('builds every command as argv strings of its own binaries, with staged file names instead of the input text', () => {
    const commands = argvOf(tool, minimal(tool).input);
    expect(commands.length).toBeGreaterThan(0);
    const binaries = tool.binaries.map((b) => b.name);
    for (const argv of commands) {
      expect(argv.length).toBeGreaterThan(1);
      for (const arg of argv) expect(typeof arg).toBe('string');
      expect(binaries).toContain(argv[0]);
    }
    expect(commands[0]![0]).toBe(binaries[0]);
    const all = commands.flat();
    for (const spec of tool.inputs) {
      const raw = minimal(tool).input[spec.param];
      if (raw === undefined) continue;
      expect(all.some((a) => a.startsWith(`inputs/${spec.param}.staged`) || a.includes(`.${spec.param}`)), `${spec.param} reaches argv`).toBe(true);
      for (const text of [raw].flat() as string[]) {
        for (const arg of all) {
          expect(arg).not.toContain(text.trim());
          if (text.includes('\n')) expect(arg).not.toContain(text.split('\n')[1]);
        }
      }
    }
  });

  it('keeps a path input out of argv too', () => {
    const input = { ...minimal(tool).input };
    for (const spec of tool.inputs) if (input[spec.param] !== undefined) input[spec.param] = spec.list ? ['/home/you/sequences/reads.fa'] : '/home/you/sequences/reads.fa';
    expect(argvOf(tool, input).flat().filter((a) => a.includes('/home/you'))).toEqual([]);
  });

  it('declares inputs and databases that are parameters of its schema, and the binaries of its indexes', () => {
    const shape = tool.input.shape as Record<string, unknown>;
    for (const spec of tool.inputs) expect(shape, spec.param).toHaveProperty(spec.param);
    for (const db of tool.databases ?? []) expect(shape, db.param).toHaveProperty(db.param);
    const params = tool.input.parse(minimal(tool).input) as Record<string, unknown>;
    for (const spec of tool.inputs) {
      for (const need of spec.indexes?.(params) ?? []) expect(tool.binaries).toContain(need.index.binary);
    }
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
