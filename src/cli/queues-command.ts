// `bio-mcp-queue queues`: a table of the queues, their job counts and live workers.
import { EXIT_CODES } from '../error-mapping.js';
import { HELP_SHOWN, parseCommand, print, type CommandIo } from './client/command-io.js';
import { withJobClient } from './client/connection.js';
import { renderTable } from './client/text-table.js';

const USAGE = `Usage: bio-mcp-queue queues

Each queue with its jobs by state and the workers serving it.`;

export async function runQueues(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(io, args, { name: 'queues', usage: USAGE, positionals: [] });
  if (!parsed) return HELP_SHOWN;
  const queues = await withJobClient(io.config, parsed, (client) => client.stats());
  print(io, parsed, { queues }, () =>
    renderTable(
      ['QUEUE', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'DELAYED', 'WORKERS'],
      queues.map((q) => [q.queue, q.counts.queued, q.counts.running, q.counts.completed, q.counts.failed, q.counts.delayed, q.workers]),
    ),
  );
  return EXIT_CODES.ok;
}
