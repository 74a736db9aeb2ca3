// The BLAST database the HTTP benches submit against: lambda_virus.fa from the repo's fixtures,
// made with makeblastdb in a directory the server reads as BIO_QUEUE_DB_DIR, named "lambda".
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/package-info.js';

export const LAMBDA_DATABASE = 'lambda';

// A 122-base read of lambda, sent inline as the query of every submission.
export const LAMBDA_QUERY = '>r1 bench\nGGGCGGCGACCTCGCGGGTTTTCGCTATTTATGAAAATTTTCCGGTTTAAGGCGTTTCCGTTCTTCTTCGTCATAACTTAATGTTTTTATTTAAAATACCCTCTGAAAAGAAAGGAAACGAC\n';

/** blastn_async's arguments for that read against the database: the submission of the HTTP load benches. */
export const LAMBDA_MEGABLAST = { query: LAMBDA_QUERY, database: LAMBDA_DATABASE, task: 'megablast' };

/** The same submission as the body of REST's POST /jobs/submit. */
export const LAMBDA_REST_SUBMISSION = JSON.stringify({ job_type: 'blastn', parameters: LAMBDA_MEGABLAST, priority: 5 });

/** Makes `dbDir` and the lambda database in it. */
export async function makeLambdaDatabase(dbDir: string): Promise<void> {
  await fs.mkdir(dbDir, { recursive: true });
  const fasta = path.join(packageRoot(), 'fixtures', 'lambda_virus.fa');
  await execa('makeblastdb', ['-in', fasta, '-dbtype', 'nucl', '-out', path.join(dbDir, LAMBDA_DATABASE), '-title', LAMBDA_DATABASE]);
}
