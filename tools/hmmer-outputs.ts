// The three files every HMMER search writes: the main report (-o; what a person reads, and
// what progress follows), the per-sequence hits table (--tblout) and the per-domain table
// (--domtblout), which the summary is read from.
import type { OutputSpec } from './define-tool.js';

export const REPORT = 'report.txt';
export const HITS_TABLE = 'hits.tbl';
export const DOMAINS_TABLE = 'domains.tbl';

/** The output options of hmmsearch and hmmscan alike. */
export const OUTPUT_ARGS: readonly string[] = ['-o', REPORT, '--tblout', HITS_TABLE, '--domtblout', DOMAINS_TABLE];

export function hmmerOutputs(): OutputSpec[] {
  // The tables are space-aligned columns with "#" comment lines, not TSV.
  return [REPORT, HITS_TABLE, DOMAINS_TABLE].map((name) => ({ name, mediaType: 'text/plain' }));
}
