// Progress of a variant caller read off its growing VCF: bcftools prints nothing while it works,
// but it writes records in reference order, and its header lists every contig with its length
// (##contig lines, from the reference's .fai). So the position of the last record written,
// counted from the start of the reference (contigs in header order) or of the region, against
// the reference's (or region's) length, is how far it got. With -v only variant sites are
// written, so the count moves in steps between variants; until the header is in, there is no
// total and nothing is reported.
import type { ProgressTracker } from './define-tool.js';
import { regionSpan } from './genomic-region.js';

// "##contig=<ID=chr1,length=248956422>", keys in any order after ID.
const CONTIG_LINE = /^##contig=<ID=([^,>]+)(?:,[^>]*?)?,length=(\d+)[,>]/;

export function vcfPositionTracker(region: string | undefined): ProgressTracker {
  let carry = '';
  /** Each contig's first position counted from the start of the reference, and its length. */
  const contigs = new Map<string, { offset: number; length: number }>();
  let referenceLength = 0;
  let headerDone = false;
  let span: { contig: string; start: number; end: number } | undefined;
  let done = 0;

  const endHeader = () => {
    headerDone = true;
    if (region === undefined) return;
    const found = regionSpan(region, (name) => contigs.has(name));
    if (!found) return;
    const length = contigs.get(found.contig)!.length;
    span = { contig: found.contig, start: found.start, end: Math.min(found.end ?? length, length) };
  };

  const total = (): number | undefined => {
    if (!headerDone) return undefined;
    if (region === undefined) return referenceLength > 0 ? referenceLength : undefined;
    return span && span.end >= span.start ? span.end - span.start + 1 : undefined;
  };

  // CHROM POS …: parseInt stops at the tab after POS.
  const record = (line: string) => {
    const tab = line.indexOf('\t');
    if (tab <= 0) return;
    const chrom = line.slice(0, tab);
    const pos = Number.parseInt(line.slice(tab + 1), 10);
    if (!Number.isFinite(pos)) return;
    let reached: number | undefined;
    if (region === undefined) {
      const contig = contigs.get(chrom);
      if (contig) reached = contig.offset + pos;
    } else if (span && chrom === span.contig) {
      reached = pos - span.start + 1;
    }
    // Never backwards: a BAM whose contig order differs from the reference's jumps about.
    if (reached !== undefined) done = Math.max(done, reached);
  };

  return {
    feed(chunk) {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (headerDone) {
          record(line);
        } else if (line.startsWith('#CHROM')) {
          endHeader();
        } else {
          const m = CONTIG_LINE.exec(line);
          if (m && !contigs.has(m[1]!)) {
            contigs.set(m[1]!, { offset: referenceLength, length: Number(m[2]) });
            referenceLength += Number(m[2]);
          }
        }
      }
    },
    done: () => done,
    total,
  };
}
