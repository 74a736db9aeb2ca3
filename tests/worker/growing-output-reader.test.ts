// The reader summaries use beside a running tool, against a real writer process: lines come as
// they are written (a line cut between two writes comes whole), nothing is lost at the end, the
// lines are exactly what reading the finished file gives, and an abandoned read stops.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IN_PLACE_READ_BYTES } from '../../worker/appended-bytes.js';
import { growingOutputReader } from '../../worker/growing-output-reader.js';
import { workDirOutputReader } from '../../worker/output-reader.js';
import { REPO } from '../support/harness.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-growing-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

// A process that writes `parts` to `file` one by one, 150 ms apart, and says "wrote N" on stdout after each.
const WRITER = `
const fs = require('node:fs');
const [file, ...parts] = process.argv.slice(1);
let i = 0;
const next = () => {
  if (i === parts.length) return;
  fs.appendFileSync(file, parts[i]);
  process.stdout.write('wrote ' + (++i) + '\\n');
  setTimeout(next, 150);
};
setTimeout(next, 150);
`;

function toolEnd() {
  let ended = false;
  let resolve!: () => void;
  const whenEnded = new Promise<void>((r) => (resolve = r));
  const stop = new AbortController();
  return { end: { ended: () => ended, whenEnded, signal: stop.signal }, finish: () => ((ended = true), resolve()), stop };
}

it('hands on lines while the file grows, whole across writes, and ends with exactly the finished file\'s lines', async () => {
  const file = path.join(dir, 'hits.tsv');
  const parts = ['q1\ts1\n', 'q1\ts2\nq2\t', 's3\n', 'q3\ts4\r\n', 'q4\tlast line without an end'];
  const { end, finish } = toolEnd();
  const writer = execa(process.execPath, ['-e', WRITER, file, ...parts]);
  const seen: { line: string; written: number }[] = [];
  let written = 0;
  writer.stdout!.on('data', (chunk: Buffer) => (written += chunk.toString().split('\n').filter(Boolean).length));
  const reading = (async () => {
    for await (const line of growingOutputReader(dir, end).lines('hits.tsv')) seen.push({ line, written });
  })();
  await writer;
  finish();
  await reading;
  const expected: string[] = [];
  for await (const line of workDirOutputReader(dir).lines('hits.tsv')) expected.push(line);
  expect(seen.map((s) => s.line)).toEqual(expected);
  expect(expected).toEqual(['q1\ts1', 'q1\ts2', 'q2\ts3', 'q3\ts4', 'q4\tlast line without an end']);
  // The first line was read before the writer had written everything: while it ran.
  expect(seen[0]!.written).toBeLessThan(parts.length);
});

it('reads a growth of more than 64 KiB through the thread pool and smaller ones in place, to the same lines', async () => {
  const file = path.join(dir, 'large.tsv');
  const large = Array.from({ length: 5_000 }, (_, i) => `q${i}\ts${i}\t${i * 7}\n`).join('');
  expect(large.length).toBeGreaterThan(IN_PLACE_READ_BYTES);
  const { end, finish } = toolEnd();
  const writer = execa(process.execPath, ['-e', WRITER, file, 'first\tline\n', large, 'last\tline\n']);
  const seen: string[] = [];
  const reading = (async () => {
    for await (const line of growingOutputReader(dir, end).lines('large.tsv')) seen.push(line);
  })();
  await writer;
  finish();
  await reading;
  const expected = (await fs.readFile(file, 'utf8')).split('\n').slice(0, -1);
  expect(expected).toHaveLength(5_002);
  expect(seen).toEqual(expected);
});

it('reads a fifo a tool left under the output\'s name as empty, without waiting for a writer', async () => {
  await execa('mkfifo', [path.join(dir, 'fifo.tsv')]);
  // In a process of its own, from the build: a read that waited would hold the event loop, which
  // no test timeout can end; the process's timeout can.
  const reader = `
    import { growingOutputReader } from './dist/worker/growing-output-reader.js';
    const end = { ended: () => true, whenEnded: Promise.resolve(), signal: new AbortController().signal };
    const lines = [];
    for await (const line of growingOutputReader(process.argv[1], end).lines('fifo.tsv')) lines.push(line);
    console.log(JSON.stringify(lines));`;
  const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', reader, dir], { cwd: REPO, timeout: 20_000 });
  expect(JSON.parse(stdout)).toEqual([]);
});

it('waits for a file the tool has not made yet, and stops reading once abandoned', async () => {
  const { end, stop } = toolEnd();
  const reading = (async () => {
    const lines: string[] = [];
    for await (const line of growingOutputReader(dir, end).lines('not-yet.tsv')) lines.push(line);
    return lines;
  })();
  await fs.writeFile(path.join(dir, 'not-yet.tsv'), 'a\n');
  await new Promise((r) => setTimeout(r, 500));
  stop.abort();
  await expect(reading).rejects.toThrow(/abort/i);
});
