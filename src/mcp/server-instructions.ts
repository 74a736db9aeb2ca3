// The instructions an MCP client shows its model when it connects: how the asynchronous tools
// work, how one job's output feeds the next, and which tools each queue family has, read off
// the catalog so a new family is announced without touching this file.
import type { AnyToolDefinition } from '../../tools/define-tool.js';
import type { AnyPipelineDefinition } from '../../tools/define-pipeline.js';
import { mcpToolName } from './catalog-tools.js';

export function serverInstructions(catalog: readonly AnyToolDefinition[], pipelines: readonly AnyPipelineDefinition[] = []): string {
  const families = new Map<string, string[]>();
  for (const tool of catalog) families.set(tool.queue, [...(families.get(tool.queue) ?? []), mcpToolName(tool)]);
  const lines = [...families].map(([queue, tools]) => `${queue}: ${tools.join(', ')}`);
  return [
    'Runs bioinformatics tools as background jobs on a pool of workers. Submit with a *_async tool (it returns a job_id at once), ' +
      'follow with get_job_status or wait_for_job (progress and an ETA), then get_job_result for a summary and download links; files are never inlined.',
    "Chain steps by giving an earlier job's output file as an input: job://<job_id>/<file name> (e.g. job://align-…/aligned.bam).",
    'A job\'s status is also the resource bio-mcp-queue://jobs/<job_id>, and each output file bio-mcp-queue://jobs/<job_id>/files/<name>: ' +
      'a client that subscribes to one (resources/subscribe) is notified when the job ends, without polling.',
    'list_databases shows the databases tools can name and the reference indexes already built (a first job on a new reference builds its index once).',
    ...(pipelines.length > 0
      ? [`Several steps as one job (each step runs on its own tool's queue; a step takes an earlier one's output as step:<n>/<file>): ${pipelines.map(mcpToolName).join(', ')}.`]
      : []),
    `Tools by queue: ${lines.join('; ')}.`,
  ].join('\n');
}
