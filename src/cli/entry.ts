#!/usr/bin/env node
// The bio-mcp-queue executable, bundled by `npm run build` into dist/src/cli/main.js with the
// files it imports (scripts/bundle-cli.ts): what package.json's bin, the tests and the benches run.
// It turns on Node's compile cache (compile-cache.ts) before anything else is loaded, since the
// cache serves only modules loaded after it is on, then runs the command (command.ts). Static
// imports would load the command's modules first: hence the dynamic import, and no other import
// here (the bundle keeps the dynamic import as a chunk of its own).
import { startCompileCache } from './compile-cache.js';

startCompileCache();
await import('./command.js');
