// `bio-mcp-queue result JOB [--download DIR]`: the summary, the command that ran and the files
// with their links; --download fetches the files into DIR, each checked against its sha256.
// Exits 0 completed, 1 failed, 3 cancelled, 5 not finished yet (error-mapping.ts).
import { EXIT_CODES, jobExitCode } from '../error-mapping.js';
import { HELP_SHOWN, parseCommand, print, type CommandIo } from './client/command-io.js';
import { stringFlag } from './client/command-line.js';
import { withJobClient } from './client/connection.js';
import { downloadFiles } from './client/download-files.js';
import { resultLines } from './client/result-text.js';
import { formatBytes } from './client/text-table.js';

const USAGE = `Usage: bio-mcp-queue result JOB [--download DIR]

The job's result: the tool's summary, the exact command, and each output file with its size,
sha256 and download link.
  --download DIR   also fetch every file into DIR (made if missing), checked against its sha256
Exit code: 0 completed; 1 failed; 3 cancelled; 5 not finished yet.`;

export async function runResult(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(io, args, { name: 'result', usage: USAGE, flags: { download: 'value' }, positionals: ['job id'] });
  if (!parsed) return HELP_SHOWN;
  const dir = stringFlag(parsed, 'download');
  return withJobClient(io.config, parsed, async (client) => {
    const result = await client.result(parsed.positionals[0]!);
    print(io, parsed, result, () => resultLines(result));
    if (dir !== undefined && result.status === 'completed') {
      await downloadFiles(result.files, dir, (file, target) => io.stderr.write(`Downloading ${file.name} (${formatBytes(file.size_bytes)}) to ${target}\n`));
    }
    return jobExitCode(result.status, EXIT_CODES.notFinished);
  });
}
