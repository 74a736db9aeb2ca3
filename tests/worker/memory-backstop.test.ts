// The per-process memory backstop (resource-guard.ts) as the started process sees it: its own
// "Max data size" in /proc/self/limits. Under a limit whose ceiling (four times the limit) is below
// the machine's memory, the process starts under that rlimit, through prlimit; where the ceiling
// is at or above all of the machine's memory it could never act, and the tool starts as it is.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { machineMemoryBytes, swapBytes } from '../../src/system/machine-memory.js';
import { resourceGuard } from '../../worker/resource-guard.js';
import { runPipeline } from '../../worker/run-pipeline.js';

const log = createLogger('silent');
const MIB = 1024 * 1024;
let cwd: string;

beforeAll(async () => {
  cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-memory-backstop-'));
});
afterAll(async () => fs.rm(cwd, { recursive: true, force: true }));

// The soft "Max data size" the started process runs under, as its own /proc/self/limits says.
async function dataLimitSeenBy(guard: ReturnType<typeof resourceGuard>): Promise<string> {
  const run = await runPipeline({ pipeline: [['cat', '/proc/self/limits']], cwd, env: {}, softTimeoutMs: 60_000, hardTimeoutMs: 120_000, guard, stdoutFile: 'limits.txt', log });
  expect(run.processes[0]!.exitCode).toBe(0);
  const line = (await fs.readFile(path.join(cwd, 'limits.txt'), 'utf8')).split('\n').find((l) => l.startsWith('Max data size'));
  return line!.split(/\s{2,}/)[1]!;
}

describe('the memory backstop', () => {
  it('starts the tool under an rlimit of four times the limit when that is below the machine\'s memory', async () => {
    const guard = resourceGuard({ memory: { bytes: 40 * MIB, name: 'BIO_QUEUE_TOOL_MEMORY_MAX_BYTES=41943040 (40 MiB)' }, machineMemoryBytes: 1024 * MIB, log });
    expect(await guard.prepare([['cat', 'x']])).toEqual([[expect.stringMatching(/\/prlimit$/), `--data=${160 * MIB}`, '--', 'cat', 'x']]);
    expect(await dataLimitSeenBy(guard)).toBe(String(160 * MIB));
    expect(guard.memoryBackstop?.bytes).toBe(40 * MIB);
  });

  it('starts the tool as it is when four times the limit is at or above the machine\'s memory', async () => {
    const guard = resourceGuard({ memory: { bytes: 256 * MIB, name: 'BIO_QUEUE_TOOL_MEMORY_MAX_BYTES=268435456 (256 MiB)' }, machineMemoryBytes: 1024 * MIB, log });
    expect(await guard.prepare([['cat', 'x']])).toEqual([['cat', 'x']]);
    expect(await dataLimitSeenBy(guard)).toBe('unlimited');
    // No rlimit, so an allocation failure is the tool's own, not blamed on the limit (tool-failure.ts).
    expect(guard.memoryBackstop).toBeUndefined();
  });
});

describe('machineMemoryBytes', () => {
  it('is this machine\'s RAM plus the swap /proc/meminfo names', async () => {
    expect(machineMemoryBytes()).toBe(os.totalmem() + swapBytes(await fs.readFile('/proc/meminfo', 'utf8')));
  });

  it('reads SwapTotal from /proc/meminfo text, in bytes', () => {
    expect(swapBytes('MemTotal:       24576000 kB\nSwapTotal:       2097148 kB\nSwapFree:  2097148 kB\n')).toBe(2097148 * 1024);
    expect(swapBytes('MemTotal:       24576000 kB\n')).toBe(0);
    expect(swapBytes(undefined)).toBe(0);
  });
});
