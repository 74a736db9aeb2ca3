// The built command as a user runs it: help, errors that say what to do, and the demo end to
// end through its own MCP server.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { catalog } from '../../tools/index.js';
import { pipelines } from '../../tools/pipelines.js';
import { REPO, testEnv } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
}

describe('bio-mcp-queue', () => {
  it('prints its usage and version', async () => {
    const help = await run(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: bio-mcp-queue \[command\]/);
    for (const command of ["stdio", "serve", "add-key", "worker", "doctor", "demo", "submit", "status", "result", "cancel", "jobs", "queues"]) expect(help.stdout).toMatch(new RegExp(`^ {2}(\\(none\\), )?${command} `, "m"));
    const version = await run(['--version']);
    expect(version.stdout).toBe(JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')).version);
  });

  it('refuses an unknown command, a bad flag and a bad variable with exit 2 and the reason', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^bio-mcp-queue: unknown command "frobnicate"/);
    const concurrency = await run(['worker', '--concurrency', 'lots']);
    expect(concurrency.exitCode).toBe(2);
    expect(concurrency.stderr).toBe('bio-mcp-queue: --concurrency: expected a whole number from 1 to 64, got "lots"');
    const badEnv = await run(['worker'], { BIO_QUEUE_REDIS_URL: 'http://nope' });
    expect(badEnv.exitCode).toBe(2);
    expect(badEnv.stderr).toBe('bio-mcp-queue: invalid configuration:\n  BIO_QUEUE_REDIS_URL: expected a redis:// or rediss:// URL (got "http://nope")');
  });

  it('refuses an unknown queue for a worker', async () => {
    const { env, dataDir } = await testEnv();
    dirs.push(dataDir);
    const result = await run(['worker', '--queues', 'blast,nope'], env);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('unknown queue "nope"; the queues are: blast');
  });

  it('runs the demo: a database and a real blastn through the MCP server, with progress and a link', async () => {
    const { env, dataDir } = await testEnv({ BIO_QUEUE_INPUT_ROOTS: '' });
    dirs.push(dataDir);
    const demo = await run(['demo'], env);
    expect(demo.stderr).toBe('');
    expect(demo.exitCode, demo.stdout).toBe(0);
    // The catalog's *_async tools and the 7 job tools of stdio (no upload tool there).
    expect(demo.stdout).toMatch(new RegExp(`^Connected\\. ${catalog.length + pipelines.length + 7} MCP tools: `, 'm'));
    expect(demo.stdout).toMatch(/^makeblastdb \[#+\] 100% done$/m);
    expect(demo.stdout).toMatch(/^blastn +\[#+\] 100% done$/m);
    expect(demo.stdout).toMatch(/^20 hits for 20 of 20 queries \(2\.\d+\.\d+\+, [\d.]+ s\)$/m);
    expect(demo.stdout).toMatch(/^r\d+ +NC_001416\.1 +\d+\.\d%/m);
    expect(demo.stdout).toMatch(/^ {2}file:\/\/.*\/results\/blast-[0-9a-z]{16}\/hits\.tsv$/m);

    // A second run reuses the database.
    const again = await run(['demo'], env);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Database "lambda_demo" already exists; reusing it.');
  });
});
