import { defineBlastSearch } from './blast-search.js';

export const blastx = defineBlastSearch({
  program: 'blastx',
  title: 'BLASTX: translated nucleotide query against a protein database',
  description:
    'Translate nucleotide sequences in all six frames and search the translations against a protein BLAST database. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result. ' +
    'Use to find what proteins a DNA sequence (a transcript, contig or read) may encode. query: nucleotide FASTA text, a path inside the allowed input folders, an http(s) URL, or an upload:// reference from create_upload_url (how a remote user sends a file from their own machine). ' +
    'database: a protein database name from list_databases. task: blastx (default) or blastx-fast.',
  queryKind: 'nucleotide',
  dbtype: 'prot',
  tasks: ['blastx', 'blastx-fast'],
  wordSizeRange: [2, 7],
});
