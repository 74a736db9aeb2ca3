// mcp.config.example.json is what people paste into Claude Desktop: it must parse, start the
// published package's bin, and set only variables the server reads, with values it accepts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from '../../src/config.js';
import { REPO } from '../support/harness.js';

type ServerEntry = { command?: string; args?: string[]; env?: Record<string, string>; type?: string; url?: string; headers?: Record<string, string> };

let servers: Record<string, ServerEntry>;
let pkg: { name: string; bin: Record<string, string> };

beforeAll(async () => {
  const example = JSON.parse(await fs.readFile(path.join(REPO, 'mcp.config.example.json'), 'utf8')) as { mcpServers: Record<string, ServerEntry> };
  servers = example.mcpServers;
  pkg = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as typeof pkg;
});

describe('mcp.config.example.json', () => {
  it('has the local form, started with npx -y bio-mcp-queue, and the remote form', () => {
    expect(Object.keys(servers)).toEqual(['bio-mcp-queue', 'bio-mcp-queue-lab']);
    const entry = servers['bio-mcp-queue']!;
    expect(entry.command).toBe('npx');
    expect(entry.args).toEqual(['-y', 'bio-mcp-queue']);
  });

  it('points the remote form at /mcp over Streamable HTTP with a bearer key', () => {
    const remote = servers['bio-mcp-queue-lab']!;
    expect(remote.type).toBe('http');
    expect(new URL(remote.url!).pathname).toBe('/mcp');
    expect(Object.keys(remote.headers ?? {})).toEqual(['Authorization']);
    expect(remote.headers!.Authorization).toMatch(/^Bearer \S/);
    expect(remote.command).toBeUndefined();
  });

  it('names a package whose bin is bio-mcp-queue', () => {
    expect(pkg.name).toBe('bio-mcp-queue');
    expect(Object.keys(pkg.bin)).toContain('bio-mcp-queue');
  });

  it('sets only variables src/config.ts reads, with values it accepts', () => {
    const env = servers['bio-mcp-queue']!.env ?? {};
    expect(Object.keys(env)).toContain('BIO_QUEUE_INPUT_ROOTS');
    for (const name of Object.keys(env)) expect(Object.keys(configVariables), name).toContain(name);
    expect(loadConfig(env).inputRoots).toEqual(['/home/you/sequences']);
  });

  it('is the configuration the README shows', async () => {
    const readme = await fs.readFile(path.join(REPO, 'README.md'), 'utf8');
    const block = /Use it from Claude Desktop[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(JSON.parse(block ?? 'null')).toEqual({ mcpServers: servers });
  });
});
