// `bio-mcp-queue status JOB`: where one job stands. Exits by its state: 0 queued, running or
// completed, 1 failed, 3 cancelled (error-mapping.ts).
import { jobExitCode } from '../error-mapping.js';
import { HELP_SHOWN, parseCommand, print, type CommandIo } from './client/command-io.js';
import { withJobClient } from './client/connection.js';
import { statusLines } from './client/result-text.js';

const USAGE = `Usage: bio-mcp-queue status JOB

Where the job stands: its state, progress and ETA, queue position, times and error.
Exit code: 0 queued, running or completed; 1 failed; 3 cancelled.`;

export async function runStatus(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(io, args, { name: 'status', usage: USAGE, positionals: ['job id'] });
  if (!parsed) return HELP_SHOWN;
  const status = await withJobClient(io.config, parsed, (client) => client.status(parsed.positionals[0]!));
  print(io, parsed, status, () => statusLines(status));
  return jobExitCode(status.status);
}
