import { defineBlastSearch } from './blast-search.js';

export const tblastx = defineBlastSearch({
  program: 'tblastx',
  title: 'TBLASTX: translated nucleotide query against a translated nucleotide database',
  description:
    'Translate both the nucleotide queries and the nucleotide database in all six frames and compare the translations. ' +
    'The most sensitive and by far the slowest nucleotide search: use it for distant relationships between coding sequences when blastn finds nothing. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result. ' +
    'query: nucleotide FASTA text, a path inside the allowed input folders, an http(s) URL, or an upload:// reference from create_upload_url (how a remote user sends a file from their own machine). database: a nucleotide database name from list_databases.',
  queryKind: 'nucleotide',
  dbtype: 'nucl',
  tasks: [],
  wordSizeRange: [2, 3],
});
