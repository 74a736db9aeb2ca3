// Checks that variants given as text (plain or bgzipped) really are VCF: "##fileformat=VCFv…"
// first, "##" meta lines, the "#CHROM" header line, then records of at least 8 TAB-separated
// fields, counted. bcftools stops at a blank line, even a trailing one, so those are refused too.
import { inputError } from '../errors.js';
import type { ContentChecker } from './input-types.js';
import { createLineScanner } from './line-scanner.js';
import { quoteLine } from './sequence-letters.js';

const HASH = 0x23;
const FILEFORMAT = Buffer.from('##fileformat=VCFv');
const CHROM_LINE = Buffer.from('#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO');
/** 8 mandatory fields: CHROM POS ID REF ALT QUAL FILTER INFO. */
const MIN_TABS = 7;

function startsWith(head: Buffer, prefix: Buffer): boolean {
  return head.length >= prefix.length && head.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

export function createVcfChecker(field: string, what = 'file'): ContentChecker {
  let records = 0;
  let lines = 0;
  let headerLine = 0; // where "#CHROM" was
  const fail = (reason: string): never => {
    throw inputError(field, reason);
  };

  const scanner = createLineScanner(
    ({ number, head, length, tabs }) => {
      lines = number;
      const quoted = () => quoteLine(head, length > head.length);
      if (number === 1) {
        if (!startsWith(head, FILEFORMAT)) fail(`not VCF: line 1 should be "##fileformat=VCFv4.x" but reads ${quoted()}`);
        return;
      }
      if (length === 0) fail(`line ${number} is empty; bcftools refuses blank lines in VCF`);
      if (head[0] === HASH) {
        if (headerLine > 0) fail(`line ${number} is a "#" line among the records, after the "#CHROM" header line at line ${headerLine}`);
        if (head[1] === HASH) return;
        if (!startsWith(head, CHROM_LINE)) {
          fail(`line ${number} should be the header line "#CHROM<TAB>POS<TAB>ID<TAB>REF<TAB>ALT<TAB>QUAL<TAB>FILTER<TAB>INFO…" but reads ${quoted()}`);
        }
        headerLine = number;
        return;
      }
      if (headerLine === 0) fail(`line ${number} is a record, but the "#CHROM" header line has not come yet`);
      if (tabs < MIN_TABS) fail(`line ${number} has ${tabs + 1} TAB-separated fields; a VCF record has at least 8`);
      records += 1;
    },
    { headBytes: 64, maxTabs: MIN_TABS },
  );

  return {
    feed: (chunk) => scanner.feed(chunk),
    finish() {
      scanner.finish();
      if (lines === 0) fail(`${what} is empty`);
      if (headerLine === 0) fail(`the file has no "#CHROM" header line; it ends after ${lines} "##" line${lines === 1 ? '' : 's'}`);
      return { records, residues: 0 };
    },
  };
}
