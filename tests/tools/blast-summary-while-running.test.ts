// A BLAST summary made while blastn runs (summaryWhileRunning: the worker reads -out as it grows)
// is the summary of the finished file, in every output format: checked through the server, with
// real blastn on a search long enough to be read while it is written, against the stored output
// summarised after the fact.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { writeSyntheticWorkload, type SyntheticWorkload } from '../../bench/support/synthetic-reads.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../tools/blast-options.js';
import { summarizeBlastOutput } from '../../tools/blast-summary.js';
import { startHarness, type Harness } from '../support/harness.js';
import { outputPath, runTool } from '../support/tool-jobs.js';

vi.setConfig({ testTimeout: 180_000 });

let h: Harness;
let workload: SyntheticWorkload;

beforeAll(async () => {
  h = await startHarness();
  workload = await writeSyntheticWorkload(path.join(h.inputsDir, 'reads'), { genomeBases: 60_000, reads: 3_000, readLength: 150 });
  await runTool(h, 'make_blast_db', { input: workload.genomePath, name: 'synthetic', dbtype: 'nucl' });
});
afterAll(async () => h?.close());

async function* lineBatches(file: string): AsyncIterable<string[]> {
  for await (const line of readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity })) yield [line];
}

it.each(Object.keys(OUTPUT_FORMATS) as OutputFormat[])('%s: the summary made while blastn ran is that of the finished output', async (format) => {
  const result = await runTool(h, 'blastn', { query: workload.readsPath, database: 'synthetic', task: 'blastn', output_format: format });
  const after = await summarizeBlastOutput(format, lineBatches(outputPath(result, OUTPUT_FORMATS[format].file)));
  expect(after.hsp_count).toBeGreaterThan(1_000);
  expect(result.summary).toEqual(after);
});
