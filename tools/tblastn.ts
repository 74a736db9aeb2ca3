import { defineBlastSearch } from './blast-search.js';

export const tblastn = defineBlastSearch({
  program: 'tblastn',
  title: 'TBLASTN: protein query against a translated nucleotide database',
  description:
    'Search protein sequences against a nucleotide BLAST database translated in all six frames. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result. ' +
    'Use to find genes coding for a known protein in genomes or transcript assemblies, including unannotated ones. ' +
    'query: protein FASTA text, a path inside the allowed input folders, an http(s) URL, or an upload:// reference from create_upload_url (how a remote user sends a file from their own machine). database: a nucleotide database name from list_databases. task: tblastn (default) or tblastn-fast.',
  queryKind: 'protein',
  dbtype: 'nucl',
  tasks: ['tblastn', 'tblastn-fast'],
  wordSizeRange: [2, 7],
});
