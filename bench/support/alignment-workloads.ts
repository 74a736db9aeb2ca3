// The read-alignment workloads the bwa_mem and pipeline benches share: the fixture read pairs, and
// optionally synthetic single-end reads against a synthetic genome (gzipped for a tool that is to
// see what labs send it), each with the BAM record count a run must give when it is known.
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { writeSyntheticReadsFastq } from './synthetic-reads.js';
import { progress } from './bench-checks.js';

export interface AlignmentWorkload {
  label: string;
  reference: string;
  reads: [string] | [string, string];
  /** BAM records every run must give; undefined: not known ahead. */
  records: number | undefined;
}

/**
 * The fixture pairs (with fixtureRecords, what the bench's own commands make of them), then
 * `syntheticReads` 100 bp reads written into `dir` when above 0, recorded as one BAM record each
 * unless gzipped (a bench that trims them first cannot know).
 */
export async function alignmentWorkloads(
  fixtures: string,
  fixtureRecords: number,
  synthetic: { dir: string; reads: number; gzip: boolean },
): Promise<AlignmentWorkload[]> {
  const workloads: AlignmentWorkload[] = [
    {
      label: 'fixture pairs (2 × 2,000 reads)',
      reference: path.join(fixtures, 'lambda_virus.fa'),
      reads: [path.join(fixtures, 'lambda_reads_1.fq.gz'), path.join(fixtures, 'lambda_reads_2.fq.gz')],
      records: fixtureRecords,
    },
  ];
  if (synthetic.reads > 0) {
    progress(`writing ${synthetic.reads} synthetic reads…`);
    const written = await writeSyntheticReadsFastq(synthetic.dir, { genomeBases: 200_000, reads: synthetic.reads, readLength: 100 });
    let reads = written.readsPath;
    if (synthetic.gzip) {
      reads = `${written.readsPath}.gz`;
      await pipeline(createReadStream(written.readsPath), createGzip(), createWriteStream(reads));
    }
    const label = `synthetic (${synthetic.reads.toLocaleString('en-US')} × 100 bp)`;
    workloads.push({ label, reference: written.genomePath, reads: [reads], records: synthetic.gzip ? undefined : synthetic.reads });
  }
  return workloads;
}
