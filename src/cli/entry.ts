#!/usr/bin/env node
// The bio-mcp-queue executable. It turns on Node's compile cache (compile-cache.ts) before
// anything else is loaded, since the cache serves only modules loaded after it is on, then runs
// the command (command.ts). Static imports would load the command's modules first: hence the
// dynamic import, and no other import here.
import { startCompileCache } from './compile-cache.js';

startCompileCache();
await import('./command.js');
