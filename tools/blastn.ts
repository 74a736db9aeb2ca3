import { defineBlastSearch } from './blast-search.js';

export const blastn = defineBlastSearch({
  program: 'blastn',
  title: 'BLASTN: nucleotide query against a nucleotide database',
  description:
    'Search nucleotide sequences (DNA/RNA reads, contigs, genes) against a nucleotide BLAST database and find similar regions. ' +
    'Runs as a background job: returns a job_id at once; follow it with get_job_status or wait_for_job, then get_job_result for the summary (hit count, top hits) and download links. ' +
    'Use for "what is this sequence", checking reads against a reference, finding a gene in a genome. ' +
    'query: FASTA text (">id\\nACGT..."), a file path inside the allowed input folders, an http(s) URL, or an upload:// reference from create_upload_url (how a remote user sends a file from their own machine). database: a name from list_databases (build one with make_blast_db_async). ' +
    'task: megablast (default, fast, for highly similar sequences), dc-megablast (cross-species), blastn (more sensitive, slower), blastn-short (queries under 50 bases).',
  queryKind: 'nucleotide',
  dbtype: 'nucl',
  tasks: ['megablast', 'dc-megablast', 'blastn', 'blastn-short'],
  wordSizeRange: [4, 256],
});
