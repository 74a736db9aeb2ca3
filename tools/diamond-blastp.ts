// diamond blastp: protein queries against a DIAMOND database, or against protein FASTA given
// in its place. A query of DNA is refused by the input check before DIAMOND sees it.
import { defineDiamondSearch } from './diamond-search.js';

export const diamondBlastp = defineDiamondSearch({
  program: 'blastp',
  title: 'DIAMOND BLASTP: fast protein search against a protein database',
  description:
    'Search protein sequences against a protein database with DIAMOND, a BLAST-compatible aligner many times faster than blastp (100 times and more on large data): for large query sets or large databases. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (hit count, top hits) and the hits.tsv link (the 12 BLAST tabular columns). ' +
    'query: protein FASTA; database: a DIAMOND database name from list_databases (see diamond_makedb_async), or protein FASTA to search against directly (indexed on first use and cached). ' +
    'Each input is a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file>. sensitivity: from "faster" to "ultra-sensitive" (default: DIAMOND\'s fast default mode, for hits above ~70% identity).',
  queryText: 'Protein query sequences (FASTA, gzip allowed)',
  query: { formats: ['fasta'], residues: 'protein', readsGzip: true },
});
