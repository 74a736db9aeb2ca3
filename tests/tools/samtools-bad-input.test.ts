// The four samtools tools on inputs that are not alignments, or not whole ones: each refused
// once (never retried), naming the field `alignments`, with our checker's words before samtools
// runs, or with samtools' own line when only samtools can tell; nothing left behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlignmentFiles, type AlignmentFiles } from '../support/alignment-files.js';
import { callError, FIXTURES, startHarness, type Harness } from '../support/harness.js';
import { expectNoWorkLeft, runToolToFailure } from '../support/tool-jobs.js';

const TOOLS = ['samtools_sort', 'samtools_flagstat', 'samtools_stats', 'samtools_view'];

let h: Harness;
let files: AlignmentFiles;
let headerless: string;

beforeAll(async () => {
  h = await startHarness();
  files = await makeAlignmentFiles(path.join(h.inputsDir, 'alignments'));
  // The records of minimap2's SAM without the header that names their contig.
  headerless = path.join(h.inputsDir, 'headerless.sam');
  const records = (await fs.readFile(files.sam, 'utf8')).split('\n').filter((l) => !l.startsWith('@'));
  await fs.writeFile(headerless, records.slice(0, 20).join('\n') + '\n');
});

afterAll(async () => {
  await h?.close();
});

describe.each(TOOLS)('%s_async on bad input', (tool) => {
  it('refuses plain text before samtools runs, once, naming the field', async () => {
    const failed = await runToolToFailure(h, tool, { alignments: path.join(FIXTURES, 'bad', 'not_fasta.txt') });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message:
        'alignments: not SAM or BAM: line 1 should be a header line (@HD, @SQ, @RG, @PG or @CO, then a TAB) or an alignment of at least 11 TAB-separated fields, but reads "this is not a FASTA file"',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses reads given as alignments', async () => {
    const failed = await runToolToFailure(h, tool, { alignments: path.join(FIXTURES, 'lambda_reads_1.fq.gz') });
    expect(failed.error).toMatchObject({ code: 'input_invalid', field: 'alignments', message: 'alignments: is FASTQ, but this needs SAM or BAM' });
  });

  it('refuses a BAM cut short, inside a block or between blocks', async () => {
    const cut = await runToolToFailure(h, tool, { alignments: files.cutBam });
    expect(cut.error).toMatchObject({ code: 'input_invalid', field: 'alignments', message: "alignments: the BAM's BGZF data is truncated or corrupt (unexpected end of file)" });
    const noEof = await runToolToFailure(h, tool, { alignments: files.noEofBam });
    expect(noEof.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message: 'alignments: BAM has no end-of-file marker (the empty BGZF block samtools writes last): the file was cut short',
    });
    await expectNoWorkLeft(h);
  });

  it('refuses an empty file at submit', async () => {
    const empty = path.join(FIXTURES, 'bad', 'empty.fa');
    expect(await callError(h.client, `${tool}_async`, { alignments: empty })).toBe(`input_invalid: alignments: "${empty}" is an empty file`);
  });

  it("blames alignments for records whose contig no header line names, with samtools' own message", async () => {
    const failed = await runToolToFailure(h, tool, { alignments: headerless });
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'input_invalid',
      field: 'alignments',
      message:
        'alignments: the SAM has alignments on contigs but no @SQ header lines naming them; give it with its header (samtools view -h keeps it) (samtools: [E::sam_parse1] no SQ lines present in the header)',
    });
    await expectNoWorkLeft(h);
  });
});
