// TEMPORARY stand-in until the streaming checkers land (branch `inputs`): FASTA through the
// existing checker, everything else accepted as is.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { checkFastaFile, checkFastaText } from './fasta-check.js';

export type InputFormat = 'fasta' | 'fastq' | 'sam' | 'bam' | 'vcf' | 'hmm' | 'table' | 'any';
export type Residues = 'nucleotide' | 'protein' | 'any';
export interface InputExpectation { formats: readonly InputFormat[]; residues?: Residues; keepIds?: boolean }
export interface InputCheck { format: InputFormat; gzip: boolean; records: number; residues: number; ids?: string[]; sha256: string; bytes: number }
export interface CheckOptions { decompressTo?: string; signal?: AbortSignal }

export async function checkInputFile(field: string, file: string, expect: InputExpectation, _options: CheckOptions = {}): Promise<InputCheck> {
  const bytes = await fs.readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (expect.formats.length === 1 && expect.formats[0] === 'fasta') {
    const s = await checkFastaFile(field, file, expect.residues === 'nucleotide' || expect.residues === 'protein' ? expect.residues : 'any-sequence');
    return { format: 'fasta', gzip: false, records: s.records, residues: s.residues, ...(expect.keepIds ? { ids: s.ids } : {}), sha256, bytes: bytes.length };
  }
  return { format: expect.formats[0]!, gzip: false, records: 0, residues: 0, sha256, bytes: bytes.length };
}

export function checkInputText(field: string, text: string, expect: InputExpectation): InputCheck {
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (expect.formats.includes('fasta')) {
    const s = checkFastaText(field, text, expect.residues === 'nucleotide' || expect.residues === 'protein' ? expect.residues : 'any-sequence');
    return { format: 'fasta', gzip: false, records: s.records, residues: s.residues, sha256, bytes: Buffer.byteLength(text) };
  }
  return { format: expect.formats[0]!, gzip: false, records: 0, residues: 0, sha256, bytes: Buffer.byteLength(text) };
}
