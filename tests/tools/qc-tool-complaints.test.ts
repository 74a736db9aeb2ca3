// fastp and seqkit exit 0 on input they cannot read. The input checks refuse such files before
// either runs (tests/tools/fastp.test.ts, seqkit-stats.test.ts), so what each definition says
// about the tool's own complaints (failsOnStderr, error rules) is checked here on its own: the
// definition's real command, run by the worker's real step runner on the bad fixtures as they
// are, with no check in between, as if a file had got past it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { AnyToolDefinition, RunContext } from '../../tools/define-tool.js';
import { fastp } from '../../tools/fastp.js';
import { seqkitStats } from '../../tools/seqkit-stats.js';
import { runSteps } from '../../worker/run-steps.js';
import { makeTempDir } from '../inputs/temp-dir.js';
import { FIXTURES } from '../support/harness.js';

let workDir: string | undefined;

afterEach(async () => {
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
  workDir = undefined;
});

// Runs a tool's steps in a fresh work dir holding `inputs` (param → fixture) under inputs/.
async function runUnchecked(tool: AnyToolDefinition, args: Record<string, unknown>, inputs: Record<string, string[]>): Promise<unknown> {
  workDir = await makeTempDir('complaints');
  await fs.mkdir(path.join(workDir, 'inputs'));
  await fs.mkdir(path.join(workDir, 'tmp'));
  const staged: Record<string, string[]> = {};
  for (const [param, files] of Object.entries(inputs)) {
    staged[param] = [];
    for (const file of files) {
      await fs.copyFile(file, path.join(workDir, 'inputs', path.basename(file)));
      staged[param].push(`inputs/${path.basename(file)}`);
    }
  }
  const ctx: RunContext = {
    input: (param) => staged[param]![0]!,
    inputs: (param) => staged[param] ?? [],
    has: (param) => param in staged,
    index: () => {
      throw new Error('no indexes here');
    },
    threads: 1,
  };
  const params = tool.input.parse(args) as Record<string, unknown>;
  return runSteps({
    tool,
    steps: tool.steps(params, ctx),
    params,
    workDir,
    env: { TMPDIR: path.join(workDir, 'tmp') },
    inputTotal: () => undefined,
    ids: () => [],
    limits: { softTimeoutMs: 120_000, hardTimeoutMs: 130_000, startedAt: Date.now() },
    report: async () => undefined,
    log: createLogger('silent'),
  }).then(
    () => 'completed',
    (err: unknown) => err,
  );
}

/** fastp holds 1 GB and takes seconds even on tiny input; on a loaded 2-core machine, many. */
const FASTP_TIMEOUT_MS = 180_000;
const bad = (name: string) => path.join(FIXTURES, 'bad', name);

describe('what fastp says about bad input, should a file get past the checks', { timeout: FASTP_TIMEOUT_MS }, () => {
  it('fails the job on "ERROR: sequence and quality have different length", which fastp exits 0 after', async () => {
    const error = await runUnchecked(fastp, { reads_1: 'x' }, { reads_1: [bad('qual_mismatch.fq')] });
    expect(error).toMatchObject({
      code: 'tool_failed',
      message: 'fastp reported an error although it exited 0: ERROR: sequence and quality have different length:',
      details: { command: expect.arrayContaining(['fastp', '-i', 'inputs/qual_mismatch.fq']), exit_code: 0 },
    });
  });

  it('blames reads_2 for mates of different lengths, quoting fastp', async () => {
    const error = await runUnchecked(fastp, { reads_1: 'x', reads_2: 'y' }, {
      reads_1: [path.join(FIXTURES, 'lambda_reads_1.fq.gz')],
      reads_2: [path.join(FIXTURES, 'illumina16s_R2.fq.gz')],
    });
    expect(error).toMatchObject({
      code: 'input_invalid',
      message:
        'reads_2: holds a different number of reads than reads_1; the two files must hold the two mates of the same pairs, in the same order (fastp: WARNNIG: different read numbers of the 0 pack)',
      details: { field: 'reads_2', exit_code: 0 },
    });
  });

});

describe('what seqkit says about bad input, should a file get past the checks', () => {
  it.each([
    ['not_fasta.txt', '[ERRO] inputs/not_fasta.txt: fastx: invalid FASTA/Q format'],
    ['truncated.fq', '[ERRO] inputs/truncated.fq: fastx: unequal sequence and quality'],
  ])('fails the job on its coloured [ERRO] line for %s, which it exits 0 after', async (name, line) => {
    const error = await runUnchecked(seqkitStats, { sequences: ['x', 'y'] }, { sequences: [path.join(FIXTURES, 'lambda_virus.fa'), bad(name)] });
    expect(error).toMatchObject({
      code: 'tool_failed',
      message: `seqkit reported an error although it exited 0: ${line}`,
      // seqkit colours the line even into a file; the error keeps the words, not the colour codes.
      details: { exit_code: 0, stderr_tail: expect.stringContaining(line) },
    });
    expect((error as { details: { stderr_tail: string } }).details.stderr_tail).not.toContain('\u001b');
  });

  it('lets a clean run through (so the failures above are the [ERRO] lines)', async () => {
    expect(await runUnchecked(seqkitStats, { sequences: ['x'] }, { sequences: [path.join(FIXTURES, 'lambda_virus.fa')] })).toBe('completed');
  });
});
