// What each completed job must have produced, from the same tools run by hand on the same
// inputs (outside the queue, once per template, with a placeholder marker): so the run cannot
// count a truncated, swapped or empty result as a success. Every completed job is checked, not
// a sample: the expected bytes differ per submission only by its marker.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BLAST_DATABASE, blastQueryText, markerRecord, samText, type JobKind, type PlannedSubmission, type Templates } from './workload.js';

const PLACEHOLDER = 'chaos-placeholder';

export interface Oracle {
  /** Undefined when the job's files are what the tool gives by hand; else what differs. */
  check(submission: PlannedSubmission, files: ReadonlyMap<string, Buffer>): string | undefined;
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

// seqkit names each file by the path it was given; everything else in a row is a measurement.
function withoutFileColumn(table: string): string {
  const rows = table.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  const fileColumn = rows[0]?.indexOf('file') ?? -1;
  return rows.map((cells) => cells.filter((_c, i) => i !== fileColumn).join('\t')).join('\n');
}

async function blastByHand(dir: string, dbDir: string, query: string, extra: string[]): Promise<string> {
  await fs.writeFile(path.join(dir, 'query.fa'), query);
  await execa('blastn', [...extra, '-query', 'query.fa', '-db', BLAST_DATABASE, '-evalue', '10', '-max_target_seqs', '500', '-num_threads', '1', '-outfmt', '6', '-out', 'hits.tsv'], {
    cwd: dir,
    env: { BLASTDB: dbDir },
  });
  return fs.readFile(path.join(dir, 'hits.tsv'), 'utf8');
}

export async function buildOracle(templates: Templates, dbDir: string, scratch: string): Promise<{ oracle: Oracle; byHandRuns: number }> {
  await fs.mkdir(scratch, { recursive: true });
  let runs = 0;
  const expected = new Map<string, string>(); // `${kind}/${template}` → text with the placeholder
  const put = (kind: JobKind, template: number, text: string) => expected.set(`${kind}/${template}`, text);

  for (let t = 0; t < templates.queries.length; t++) {
    put('blastn', t, await blastByHand(scratch, dbDir, blastQueryText(templates, 'blastn', t, PLACEHOLDER), ['-task', 'megablast']));
    runs += 1;
  }
  put('slow_blastn', 0, await blastByHand(scratch, dbDir, blastQueryText(templates, 'slow_blastn', 0, PLACEHOLDER), ['-task', 'blastn', '-word_size', '4']));
  runs += 1;
  await fs.writeFile(path.join(scratch, 'marker.fa'), markerRecord(PLACEHOLDER));
  for (const [t, file] of templates.seqkitFiles.entries()) {
    const { stdout } = await execa('seqkit', ['stats', '-a', '-T', '-j', '1', file, path.join(scratch, 'marker.fa')]);
    put('seqkit_stats', t, withoutFileColumn(stdout));
    runs += 1;
  }
  for (let t = 0; t < templates.sams.length; t++) {
    await fs.writeFile(path.join(scratch, 'alignments.sam'), samText(templates, t, PLACEHOLDER));
    const { stdout } = await execa('samtools', ['flagstat', path.join(scratch, 'alignments.sam')], { stripFinalNewline: false });
    put('samtools_flagstat', t, stdout);
    runs += 1;
  }
  const blastHits = [...expected].filter(([k, v]) => k.startsWith('blastn/') && v.trim() !== '').length;
  if (blastHits < 10) throw new Error(`by hand, only ${blastHits} of the 20 lambda queries hit the lambda database: the oracle would check little`);

  const oracle: Oracle = {
    check(submission, files) {
      const want = expected.get(`${submission.kind}/${submission.template}`);
      if (want === undefined) return `no expectation for ${submission.kind} template ${submission.template}`;
      const compare = (name: string, got: string | undefined, wanted: string) => {
        if (got === undefined) return `no ${name} in the result (files: ${[...files.keys()].join(', ') || 'none'})`;
        return got === wanted ? undefined : `${name} differs from the tool by hand: sha256 ${sha256(got).slice(0, 12)} ≠ ${sha256(wanted).slice(0, 12)} (${got.length} vs ${wanted.length} chars)`;
      };
      switch (submission.kind) {
        case 'blastn':
        case 'slow_blastn':
          // BLAST's first column is the query id: the submission's marker.
          return compare('hits.tsv', files.get('hits.tsv')?.toString('utf8'), want.split(PLACEHOLDER).join(submission.marker));
        case 'seqkit_stats': {
          const got = files.get('stats.tsv');
          return compare('stats.tsv (file column aside)', got && withoutFileColumn(got.toString('utf8')), want);
        }
        case 'samtools_flagstat':
          return compare('flagstat.txt', files.get('flagstat.txt')?.toString('utf8'), want);
      }
    },
  };
  return { oracle, byHandRuns: runs };
}
