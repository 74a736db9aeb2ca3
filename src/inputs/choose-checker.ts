// Decides which checker reads an input, from what sniffing found and what the tool accepts:
// the found format if expected; else "any" or "table" when the tool takes those; else a refusal
// that names both ("is FASTQ, but this needs FASTA"). When nothing is recognisable, the first
// expected format's checker reads it and refuses it with its own first-line message, so a FASTA
// input still hears 'not FASTA: line 1 should be a header starting with ">" but reads "…"'.
import { inputError } from '../errors.js';
import { createBamChecker } from './bam-check.js';
import { createFastaChecker } from './fasta-check.js';
import { createFastqChecker } from './fastq-check.js';
import { needsList, wrongFormatReason } from './format-names.js';
import type { Sniffed } from './format-sniff.js';
import { createHmmChecker } from './hmm-check.js';
import type { ContentChecker, InputExpectation, InputFormat } from './input-types.js';
import { createSamChecker } from './sam-check.js';
import { createAnyChecker, createTableChecker } from './table-check.js';
import { createVcfChecker } from './vcf-check.js';

export interface ChosenChecker {
  format: InputFormat;
  checker: ContentChecker;
}

// `what` names the content in "… is empty" ("file", "decompressed file", "FASTA text"); `bytes`
// is how much content there is when sniffed "blank" (all of it then).
export function chooseChecker(field: string, sniffed: Sniffed, expect: InputExpectation, what: string, bytes: number): ChosenChecker {
  const formats = expect.formats;
  const chosen = (format: InputFormat): ChosenChecker => ({ format, checker: createChecker(field, format, expect, what) });
  if (sniffed.kind === 'blank') {
    if (formats.includes('any') && bytes > 0) return chosen('any');
    throw inputError(field, `${what} is empty`);
  }
  if (sniffed.kind === 'format' && formats.includes(sniffed.format)) return chosen(sniffed.format);
  if (formats.includes('any')) return chosen('any');
  const binary = sniffed.kind === 'foreign' || (sniffed.kind === 'format' && sniffed.format === 'bam');
  if (!binary && formats.includes('table')) return chosen('table');
  if (sniffed.kind !== 'unknown') throw inputError(field, wrongFormatReason(sniffed.format, formats));
  const reader = formats.find((f) => f !== 'bam');
  if (!reader) throw inputError(field, 'not BAM: the data does not start with "BAM\\1" once BGZF-decompressed');
  return chosen(reader);
}

function createChecker(field: string, format: InputFormat, expect: InputExpectation, what: string): ContentChecker {
  const residues = expect.residues ?? 'any';
  const keepIds = expect.keepIds ?? false;
  switch (format) {
    case 'fasta':
      return createFastaChecker(field, residues, what, { keepIds });
    case 'fastq':
      return createFastqChecker(field, residues, what, { keepIds });
    case 'sam':
      return createSamChecker(field, what, `not ${needsList(expect.formats.filter((f) => f === 'sam' || f === 'bam'))}`);
    case 'bam':
      return createBamChecker(field);
    case 'vcf':
      return createVcfChecker(field, what);
    case 'hmm':
      return createHmmChecker(field, what, { keepIds });
    case 'table':
      return createTableChecker(field, what);
    case 'any':
      return createAnyChecker(field, what);
  }
}
