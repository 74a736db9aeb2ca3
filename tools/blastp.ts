import { defineBlastSearch } from './blast-search.js';

export const blastp = defineBlastSearch({
  program: 'blastp',
  title: 'BLASTP: protein query against a protein database',
  description:
    'Search protein sequences against a protein BLAST database to find homologous proteins. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary and download links. ' +
    'Use to identify a protein, find orthologs or family members. query: protein FASTA text, a file path inside the allowed input folders, an http(s) URL, or an upload:// reference from create_upload_url (how a remote user sends a file from their own machine). ' +
    'database: a protein database name from list_databases. task: blastp (default), blastp-short (peptides under 30 residues), blastp-fast (faster, less sensitive).',
  queryKind: 'protein',
  dbtype: 'prot',
  tasks: ['blastp', 'blastp-short', 'blastp-fast'],
  wordSizeRange: [2, 7],
});
