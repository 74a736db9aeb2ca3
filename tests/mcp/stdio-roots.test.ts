// MCP roots over stdio: a client that has roots is asked for them (roots/list) once initialized
// and again on notifications/roots/list_changed, and its path inputs must then lie inside both
// its roots and BIO_QUEUE_INPUT_ROOTS, which stay the upper bound. The real `bio-mcp-queue`
// child process, driven by the SDK's own stdio client offering roots.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema, type Root } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SHARED_ROOTS } from '../../src/inputs/client-roots.js';
import { callError, callOk, FIXTURES, REPO, testEnv } from '../support/harness.js';

const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

let client: Client;
let dataDir: string;
let inputsDir: string;
/** A folder inside the input roots the client shares, and one outside them. */
let shared: string;
let outside: string;
let roots: Root[] = [];
let rootRequests = 0;

const folder = (dir: string): Root => ({ uri: pathToFileURL(dir).href, name: path.basename(dir) });
const stats = (file: string) => ({ sequences: [file] });

beforeAll(async () => {
  await fs.access(MAIN).catch(() => {
    throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  });
  const t = await testEnv({ BIO_QUEUE_EMBEDDED_WORKER: 'false' });
  ({ dataDir, inputsDir } = t);
  shared = path.join(inputsDir, 'shared');
  outside = path.join(dataDir, 'outside');
  for (const dir of [shared, outside]) {
    await fs.mkdir(dir);
    await fs.copyFile(path.join(FIXTURES, 'lambda_virus.fa'), path.join(dir, 'lambda_virus.fa'));
  }
  roots = [folder(shared)];
  client = new Client({ name: 'roots-test', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
  client.setRequestHandler(ListRootsRequestSchema, () => {
    rootRequests += 1;
    return { roots };
  });
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...t.env }, stderr: 'pipe' });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const changeRoots = async (next: Root[]) => {
  roots = next;
  await client.sendRootsListChanged();
};

describe('client roots over stdio', () => {
  it('takes a path inside a client root that lies inside the input roots', async () => {
    const job = await callOk<{ status: string }>(client, 'seqkit_stats_async', stats(path.join(shared, 'lambda_virus.fa')));
    expect(job.status).toBe('queued');
    expect(rootRequests).toBe(1);
  });

  it('refuses a path inside the input roots but outside every client root', async () => {
    const file = path.join(FIXTURES, 'lambda_virus.fa');
    expect(await callError(client, 'seqkit_stats_async', stats(file))).toBe(`input_invalid: sequences.0: ${JSON.stringify(file)} is outside the input roots (${await fs.realpath(shared)})`);
  });

  it('asks again on roots/list_changed; a client root outside the input roots gives nothing', async () => {
    await changeRoots([folder(outside)]);
    const file = path.join(outside, 'lambda_virus.fa');
    expect(await callError(client, 'seqkit_stats_async', stats(file))).toBe(`input_invalid: sequences.0: ${NO_SHARED_ROOTS}`);
    expect(await callError(client, 'seqkit_stats_async', stats(path.join(shared, 'lambda_virus.fa')))).toBe(`input_invalid: sequences.0: ${NO_SHARED_ROOTS}`);
    expect(rootRequests).toBe(2);
  });

  it('holds a client root that holds an input root to that input root', async () => {
    // The data dir holds the inputs folder (an input root) and the outside folder (not one).
    await changeRoots([folder(dataDir)]);
    expect((await callOk<{ status: string }>(client, 'seqkit_stats_async', stats(path.join(shared, 'lambda_virus.fa')))).status).toBe('queued');
    const file = path.join(outside, 'lambda_virus.fa');
    expect(await callError(client, 'seqkit_stats_async', stats(file))).toBe(`input_invalid: sequences.0: ${JSON.stringify(file)} is outside the input roots (${await fs.realpath(inputsDir)})`);
  });

  it('takes no path at all from a client that shares no roots, and inline text as ever', async () => {
    await changeRoots([]);
    expect(await callError(client, 'seqkit_stats_async', stats(path.join(shared, 'lambda_virus.fa')))).toBe(`input_invalid: sequences.0: ${NO_SHARED_ROOTS}`);
    expect((await callOk<{ status: string }>(client, 'seqkit_stats_async', stats('>x\nACGT\n'))).status).toBe('queued');
  });
});
