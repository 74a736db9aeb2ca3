// Bundles the executable, dist/src/cli/main.js, from what tsc emitted (dist/src/cli/entry.js and
// the files it imports), as the last step of `npm run build`. A desktop client launches the stdio
// server at every start and waits for its `initialize` answer (issue 11): Node 20 spent about 40 %
// of that start resolving, reading and linking ~400 module files one by one (bench/RESULTS.md).
// The bundle is our code with the packages the start loads (the MCP SDK and what it imports: zod,
// ajv, zod-to-json-schema; pino) in a few files. Each `await import()` of ours stays a chunk of its
// own, loaded as late as before (the runtime after the handshake, serve, S3 storage, the
// terminal commands), and every other package is imported from node_modules as before: BullMQ,
// ioredis, execa, express and the AWS SDK are loaded only by those later chunks, and some of them
// find files beside their own at run time (native addons, Lua scripts).
//
// The chunks go to dist/src/chunks/, not beside main.js: package-info.ts finds package.json by
// walking up at most four folders from the file it runs from.
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'rolldown';
import { packageRoot } from '../src/package-info.js';

/** Packages our code imports that go into the bundle, with everything they import in turn. */
const INLINED = new Set(['@modelcontextprotocol/sdk', 'zod', 'pino']);

/** The package a bare import names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Whether an import stays an import of node_modules at run time. Our files' imports of packages
 * not in INLINED do, and so do imports of our own dependencies from inside inlined packages (the
 * SDK's optional express helpers): one copy of each, loaded when it was before.
 */
function staysExternal(specifier: string, importer: string | undefined, dependencies: ReadonlySet<string>): boolean {
  if (specifier.startsWith('node:')) return true;
  if (specifier.startsWith('.') || path.isAbsolute(specifier) || specifier.startsWith('\0')) return false;
  const name = packageOf(specifier);
  if (INLINED.has(name)) return false;
  const fromInlinedPackage = importer !== undefined && importer.split(path.sep).includes('node_modules');
  return !fromInlinedPackage || dependencies.has(name);
}

async function main(): Promise<void> {
  const root = packageRoot();
  const manifest = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const dependencies = new Set(Object.keys(manifest.dependencies));
  const outDir = path.join(root, 'dist', 'src');
  // Hashed names change with the code: chunks of an earlier build would pile up.
  await fs.rm(path.join(outDir, 'chunks'), { recursive: true, force: true });
  await build({
    input: { main: path.join(outDir, 'cli', 'entry.js') },
    platform: 'node',
    external: (id, importer) => staysExternal(id, importer, dependencies),
    logLevel: 'warn',
    output: {
      dir: outDir,
      format: 'esm',
      entryFileNames: 'cli/[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      // Licence notices stay; JSDoc goes: less to parse at each start, and its `import('…')`
      // types would read as imports to whoever follows the files (tests/support/compiled-imports.ts).
      comments: { legal: true, annotation: false, jsdoc: false },
    },
  });
}

await main();
