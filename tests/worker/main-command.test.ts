// Which command a result names as the job's own when steps that prepare (samtools index of an
// input BAM before bcftools reads it by region) run before the tool's main binary.
import { describe, expect, it } from 'vitest';
import { mainCommand } from '../../worker/main-command.js';

const index = { label: 'indexing the alignments', pipeline: [['samtools', 'index', 'inputs/a.bam']] };
const call = { label: 'calling', pipeline: [['bcftools', 'mpileup', '-f', 'ref.fa', 'inputs/a.bam'], ['bcftools', 'call', '-mv']] };

describe('mainCommand', () => {
  it("names the main binary's first process, after the steps that prepare for it", () => {
    expect(mainCommand([index, call], 'bcftools')).toEqual(['bcftools', 'mpileup', '-f', 'ref.fa', 'inputs/a.bam']);
  });

  it('names a piped process of the main binary when a helper feeds it', () => {
    expect(mainCommand([{ label: 'sorting', pipeline: [['zcat', 'x.gz'], ['samtools', 'sort', '-']] }], 'samtools')).toEqual(['samtools', 'sort', '-']);
  });

  it('names the step a definition marks primary, when the same binary prepares for it first', () => {
    const view = { label: 'filtering', pipeline: [['samtools', 'view', '-b', 'inputs/a.bam', 'chr1']], primary: true };
    expect(mainCommand([index, view], 'samtools')).toEqual(['samtools', 'view', '-b', 'inputs/a.bam', 'chr1']);
  });

  it('names the first process when the main binary never runs', () => {
    expect(mainCommand([index], 'bcftools')).toEqual(['samtools', 'index', 'inputs/a.bam']);
  });
});
