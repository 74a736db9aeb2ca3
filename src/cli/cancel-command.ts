// `bio-mcp-queue cancel JOB`: removes a queued job, or stops a running one wherever it runs.
// Exits 0 once the job is cancelled (or already was), 1 when it had already completed or
// failed and so could not be (error-mapping.ts: the conflict's exit code).
import { EXIT_CODES, VERDICTS } from '../error-mapping.js';
import { HELP_SHOWN, parseCommand, print, type CommandIo } from './client/command-io.js';
import { withJobClient } from './client/connection.js';
import { statusLines } from './client/result-text.js';

const USAGE = `Usage: bio-mcp-queue cancel JOB

Cancels the job: a queued one is removed, a running one is stopped (its processes killed).
Exit code: 0 cancelled (now or before); 1 it had already ended otherwise, so nothing was stopped.`;

export async function runCancel(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(io, args, { name: 'cancel', usage: USAGE, positionals: ['job id'] });
  if (!parsed) return HELP_SHOWN;
  const status = await withJobClient(io.config, parsed, (client) => client.cancel(parsed.positionals[0]!));
  print(io, parsed, status, () => statusLines(status));
  if (status.status === 'cancelled') return EXIT_CODES.ok;
  // Still running after the few seconds cancel waits: the stop is on its way.
  if (status.status === 'running' || status.status === 'queued') {
    io.stderr.write(`The job is stopping; bio-mcp-queue status ${status.job_id} shows when it has.\n`);
    return EXIT_CODES.ok;
  }
  io.stderr.write(`Job ${status.job_id} had already ${status.status}; nothing was cancelled.\n`);
  return VERDICTS.conflict.exitCode;
}
