// `bio-mcp-queue jobs`: a table of your jobs (an admin key's: everyone's), newest first.
import { EXIT_CODES } from '../error-mapping.js';
import { inputError } from '../errors.js';
import { JOB_STATUSES, type JobStatus, type JobStatusName } from '../jobs/job-model.js';
import { HELP_SHOWN, parseCommand, print, type CommandIo } from './client/command-io.js';
import { booleanFlag, stringFlag, wholeNumberFlag } from './client/command-line.js';
import { withJobClient } from './client/connection.js';
import { formatSeconds, renderTable } from './client/text-table.js';

const USAGE = `Usage: bio-mcp-queue jobs [--status STATE] [--tool TOOL] [--limit N] [--cursor C]

Your jobs, newest first (with an admin key: everyone's).
  --status STATE   only jobs in this state: ${JOB_STATUSES.join(', ')}
  --tool TOOL      only jobs of this tool, e.g. blastn
  --limit N        jobs per page, 1-100 (default 20)
  --cursor C       the next page, as the previous one named it`;

export async function runJobs(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(io, args, { name: 'jobs', usage: USAGE, flags: { status: 'value', tool: 'value', limit: 'value', cursor: 'value' }, positionals: [] });
  if (!parsed) return HELP_SHOWN;
  const status = stringFlag(parsed, 'status');
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) throw inputError('--status', `expected one of ${JOB_STATUSES.join(', ')}, got "${status}"`);
  const options = { status: status as JobStatusName | undefined, tool: stringFlag(parsed, 'tool'), limit: wholeNumberFlag(parsed, 'limit', 1, 100) ?? 20, cursor: stringFlag(parsed, 'cursor') };
  const page = await withJobClient(io.config, parsed, (client) => client.list(options));
  print(io, parsed, page, () => jobsTable(page.jobs));
  if (page.next_cursor !== null && !booleanFlag(parsed, 'json')) io.stderr.write(`More: bio-mcp-queue jobs --cursor ${page.next_cursor}\n`);
  return EXIT_CODES.ok;
}

function jobsTable(jobs: readonly JobStatus[]): string {
  if (jobs.length === 0) return 'No jobs.';
  return renderTable(
    ['JOB', 'TOOL', 'STATUS', 'PROGRESS', 'ETA', 'SUBMITTED'],
    jobs.map((j) => [j.job_id, j.tool, j.status, `${Math.round(j.progress.percent)}%`, j.eta_seconds === null ? '-' : formatSeconds(j.eta_seconds), j.submitted_at]),
  );
}
