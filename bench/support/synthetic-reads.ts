// A workload that runs for seconds, not milliseconds, built deterministically where it is
// needed (tests, benchmarks): a random genome and reads sampled from it with a few mutations, as
// FASTA (for BLAST) or FASTQ (for the aligners). The fixtures are too small for progress to move,
// for a cancel to land while a tool runs, or for a benchmark to see past the queue's own costs.
import fs from 'node:fs/promises';
import path from 'node:path';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES = 'ACGT';

/** Reads as FASTQ (quality "I" throughout) instead of FASTA: input for the aligners. */
export async function writeSyntheticReadsFastq(dir: string, options: { genomeBases: number; reads: number; readLength: number; seed?: number }): Promise<SyntheticWorkload> {
  const fasta = await writeSyntheticWorkload(dir, options);
  const lines = (await fs.readFile(fasta.readsPath, 'utf8')).trimEnd().split('\n');
  const quality = 'I'.repeat(options.readLength);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += 2) out.push(`@${lines[i]!.slice(1)}\n${lines[i + 1]}\n+\n${quality}`);
  const readsPath = path.join(dir, 'synthetic_reads.fq');
  await fs.writeFile(readsPath, out.join('\n') + '\n');
  await fs.rm(fasta.readsPath);
  return { ...fasta, readsPath };
}

export interface SyntheticWorkload {
  genomePath: string;
  readsPath: string;
  reads: number;
}

export async function writeSyntheticWorkload(dir: string, options: { genomeBases: number; reads: number; readLength: number; seed?: number }): Promise<SyntheticWorkload> {
  const random = mulberry32(options.seed ?? 42);
  const genome = Array.from({ length: options.genomeBases }, () => BASES[Math.floor(random() * 4)]).join('');
  const wrap = (s: string) => s.match(/.{1,80}/g)!.join('\n');
  await fs.mkdir(dir, { recursive: true });
  const genomePath = path.join(dir, 'synthetic_genome.fa');
  await fs.writeFile(genomePath, `>synthetic_chr1 random test genome\n${wrap(genome)}\n`);
  const reads: string[] = [];
  for (let i = 0; i < options.reads; i++) {
    const start = Math.floor(random() * (options.genomeBases - options.readLength));
    const read = genome.slice(start, start + options.readLength).split('');
    for (let m = 0; m < options.readLength / 20; m++) read[Math.floor(random() * read.length)] = BASES[Math.floor(random() * 4)]!;
    reads.push(`>read${i + 1}\n${read.join('')}`);
  }
  const readsPath = path.join(dir, 'synthetic_reads.fa');
  await fs.writeFile(readsPath, reads.join('\n') + '\n');
  return { genomePath, readsPath, reads: options.reads };
}
