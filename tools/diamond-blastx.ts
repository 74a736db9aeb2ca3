// diamond blastx: nucleotide queries (contigs, transcripts, reads as FASTA or FASTQ) translated
// in six frames against a DIAMOND database, or protein FASTA given in its place.
import { defineDiamondSearch } from './diamond-search.js';

export const diamondBlastx = defineDiamondSearch({
  program: 'blastx',
  title: 'DIAMOND BLASTX: translated DNA search against a protein database',
  description:
    'Translate nucleotide sequences (contigs, transcripts or sequencing reads) in all six frames and search them against a protein database with DIAMOND, a BLAST-compatible aligner far faster than blastx: the usual way to annotate reads or metagenomes by protein. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (hit count, top hits) and the hits.tsv link (the 12 BLAST tabular columns; qstart > qend for the minus strand). ' +
    'query: nucleotide FASTA or FASTQ, gzip allowed; database: a DIAMOND database name from list_databases (see diamond_makedb_async), or protein FASTA to search against directly (indexed on first use and cached). ' +
    'Each input is a file path inside the allowed input folders, a URL, an upload:// reference or job://<job_id>/<file>.',
  queryText: 'Nucleotide query sequences (FASTA or FASTQ, gzip allowed)',
  query: { formats: ['fasta', 'fastq'], residues: 'nucleotide', readsGzip: true },
});
