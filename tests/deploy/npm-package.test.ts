// What `npm publish` would ship, read from `npm pack --dry-run --json` (no tarball written): the
// built CLI and everything it loads, the licence, the MCP registry's server.json, and nothing a
// user cannot use (benchmarks, dev scripts, source maps of sources that are not shipped).
// server.json is checked offline against the rules of the registry's schema,
// https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json (the parts we use).
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compiledImportGraph } from '../support/compiled-imports.js';
import { REPO } from '../support/harness.js';

type PackageJson = { name: string; version: string; license: string; mcpName?: string; bin: Record<string, string>; scripts: Record<string, string> };

// ServerDetail of the 2025-09-29 schema, for an npm package over stdio.
const SERVER_JSON_SCHEMA = 'https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json';
const ServerJson = z.object({
  $schema: z.literal(SERVER_JSON_SCHEMA),
  name: z.string().min(3).max(200).regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/),
  title: z.string().min(1).max(100).optional(),
  description: z.string().min(1).max(100),
  version: z.string().max(255).regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, { message: 'an exact version, no range' }),
  packages: z.array(z.object({
    registryType: z.literal('npm'),
    identifier: z.string().min(1),
    version: z.string().min(1).refine((v) => v !== 'latest'),
    transport: z.object({ type: z.literal('stdio') }),
    environmentVariables: z.array(z.object({
      name: z.string(),
      description: z.string().optional(),
      format: z.enum(['string', 'number', 'boolean', 'filepath']).optional(),
      isRequired: z.boolean().optional(),
      isSecret: z.boolean().optional(),
    }).strict()).optional(),
  }).strict()).min(1),
}).strict();

let pkg: PackageJson;
let packed: string[];

beforeAll(async () => {
  pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as PackageJson;
  // --ignore-scripts: `prepare` would rebuild; the test reads the build that is there.
  const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO });
  packed = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
});

describe('the npm package', () => {
  it('ships the bin and every compiled file it loads', async () => {
    const main = path.join(REPO, pkg.bin['bio-mcp-queue']!);
    for (const file of await compiledImportGraph(main)) expect(packed, 'the CLI loads it').toContain(path.relative(REPO, file));
  });

  it('ships no benchmarks, dev scripts, tests or source maps', () => {
    for (const file of packed) {
      expect(file).not.toMatch(/^dist\/(bench|scripts|tests)\//);
      expect(file).not.toMatch(/\.map$/);
      expect(file).not.toMatch(/^(src|tools|worker|bench|scripts|tests)\//);
    }
  });

  it('ships the licence package.json names, the README and the demo\'s fixtures with their licences', async () => {
    expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'server.json', 'fixtures/lambda_virus.fa', 'fixtures/lambda_queries.fa']));
    expect(packed.filter((f) => f.startsWith('fixtures/LICENSES/')).length).toBeGreaterThan(0);
    expect(pkg.license).toBe('MIT');
    expect(await fs.readFile(path.join(REPO, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n[\s\S]*Permission is hereby granted, free of charge/);
  });

  it('builds without source maps, which would point at sources the package does not ship', async () => {
    const build = JSON.parse(await fs.readFile(path.join(REPO, 'tsconfig.build.json'), 'utf8')) as { compilerOptions?: { sourceMap?: boolean; declarationMap?: boolean } };
    expect(build.compilerOptions?.sourceMap).toBe(false);
    expect(build.compilerOptions?.declarationMap ?? false).toBe(false);
  });
});

describe('server.json for the MCP registry', () => {
  it('follows the registry schema and names this package, its version and mcpName', async () => {
    const server = ServerJson.parse(JSON.parse(await fs.readFile(path.join(REPO, 'server.json'), 'utf8')));
    expect(pkg.mcpName).toBe(server.name);
    expect(server.version).toBe(pkg.version);
    expect(server.packages[0]).toMatchObject({ identifier: pkg.name, version: pkg.version });
  });

  it('documents only environment variables src/config.ts reads', async () => {
    const { configVariables } = await import('../../src/config.js');
    const server = ServerJson.parse(JSON.parse(await fs.readFile(path.join(REPO, 'server.json'), 'utf8')));
    for (const variable of server.packages.flatMap((p) => p.environmentVariables ?? [])) expect(Object.keys(configVariables)).toContain(variable.name);
  });
});
