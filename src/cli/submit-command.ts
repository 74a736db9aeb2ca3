// `bio-mcp-queue submit <tool> --flag value … [--wait]`: one job of any catalog tool or pipeline,
// its flags read off the tool's parameter schema (client/tool-flags.ts), as the MCP tools are.
// Without --wait it prints the job id and returns; with --wait it shows the progress on stderr
// and ends with the result, its exit code the job's outcome (error-mapping.ts).
import { EXIT_CODES, jobExitCode } from '../error-mapping.js';
import { inputError } from '../errors.js';
import type { JobResult, JobStatus } from '../jobs/job-model.js';
import type { SubmittableDefinition } from '../mcp/catalog-tools.js';
import { catalog, findTool } from '../../tools/index.js';
import { findPipeline, pipelines } from '../../tools/pipelines.js';
import { booleanFlag, parseCommandLine, stringFlag, wholeNumberFlag, type FlagKind } from './client/command-line.js';
import { COMMON_FLAGS, COMMON_HELP, withJobClient } from './client/connection.js';
import type { JobClient } from './client/job-client.js';
import { inputParams, localFile } from './client/local-inputs.js';
import { progressDisplay } from './client/progress-display.js';
import { resultLines, submissionLine } from './client/result-text.js';
import { formatBytes, type Output } from './client/text-table.js';
import type { CommandIo } from './client/command-io.js';
import { flagKinds, paramsFromFlags, toolFlags } from './client/tool-flags.js';
import { toolHelp } from './client/tool-help.js';


export const SUBMIT_FLAGS: Readonly<Record<string, FlagKind>> = Object.freeze({ wait: 'boolean', priority: 'value', 'idempotency-key': 'value', upload: 'boolean' });

const SUBMIT_HELP = `Submit flags:
  --wait                 follow the job (a progress bar with ETA on stderr) and print its result;
                         the exit code is the job's: 0 completed, 1 failed, 3 cancelled
  --priority N           1-10, higher runs first (default 5)
  --idempotency-key KEY  the same key again returns the job it made instead of a new one
  --no-upload            with --url: pass file paths to the server as typed, for a server that
                         reads the same disk, instead of uploading the files`;

function submittable(name: string): SubmittableDefinition | undefined {
  return findTool(name) ?? findPipeline(name);
}

function generalHelp(): string {
  const all = [...catalog, ...pipelines];
  const width = Math.max(...all.map((t) => t.name.length));
  return [
    'Usage: bio-mcp-queue submit TOOL [--FLAG VALUE …] [--wait]',
    '',
    'Tools (bio-mcp-queue submit TOOL --help lists its flags):',
    ...all.map((t) => `  ${t.name.padEnd(width)}  ${t.title}`),
    '',
    SUBMIT_HELP,
    '',
    COMMON_HELP,
  ].join('\n');
}

export async function runSubmit(args: readonly string[], io: CommandIo): Promise<number> {
  const name = args[0] !== undefined && !args[0].startsWith('-') ? args[0] : undefined;
  if (name === undefined) {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(`${generalHelp()}\n`);
      return EXIT_CODES.ok;
    }
    throw inputError('submit', 'name the tool to run, e.g. bio-mcp-queue submit blastn --help');
  }
  const tool = submittable(name);
  if (!tool) throw inputError('submit', `unknown tool "${name}"; bio-mcp-queue submit --help lists them`);
  const flags = toolFlags(tool);
  const parsed = parseCommandLine(args.slice(1), { ...COMMON_FLAGS, ...SUBMIT_FLAGS, ...flagKinds(flags) }, `bio-mcp-queue submit ${tool.name} --help lists the flags`);
  if (booleanFlag(parsed, 'help')) {
    io.stdout.write(`${toolHelp(tool, flags, SUBMIT_HELP, COMMON_HELP)}\n`);
    return EXIT_CODES.ok;
  }
  if (parsed.positionals.length > 0) throw inputError(parsed.positionals[0]!, `unexpected argument; give parameters as flags (bio-mcp-queue submit ${tool.name} --help)`);
  const params = paramsFromFlags(tool, flags, parsed);
  const priority = wholeNumberFlag(parsed, 'priority', 1, 10) ?? 5;
  const idempotencyKey = stringFlag(parsed, 'idempotency-key');
  const json = booleanFlag(parsed, 'json');
  return withJobClient(io.config, parsed, async (client) => {
    if (parsed.flags.get('upload') !== false) await sendLocalFiles(client, tool, params, io.stderr);
    const submission = await client.submit(tool.name, params, { priority, idempotencyKey });
    if (!booleanFlag(parsed, 'wait')) {
      io.stdout.write(json ? `${JSON.stringify(submission, null, 2)}\n` : `${submissionLine(submission)}\n`);
      if (!(await hasWorker(client, submission.queue))) io.stderr.write(`note: no worker serves the ${submission.queue} queue right now; the job waits for one (bio-mcp-queue worker, or submit --wait, which runs it itself on the local Redis)\n`);
      return EXIT_CODES.ok;
    }
    if (!json) io.stderr.write(`${submissionLine(submission)}\n`);
    const worker = await client.ensureWorker(submission.queue);
    if (worker === 'started') io.stderr.write(`No worker serves the ${submission.queue} queue: running the job in this process.\n`);
    else if (worker === 'none' && !(await hasWorker(client, submission.queue))) io.stderr.write(`note: no worker serves the ${submission.queue} queue right now; waiting until one does (Ctrl-C stops waiting, not the job)\n`);
    const status = await followWithProgress(client, submission.job_id, submission.tool, io.stderr);
    if (status.status !== 'completed' && status.status !== 'failed' && status.status !== 'cancelled') {
      io.stderr.write(`Stopped waiting: job ${status.job_id} is ${status.status}; bio-mcp-queue status ${status.job_id} shows how it gets on.\n`);
      return EXIT_CODES.interrupted;
    }
    const result: JobResult = await client.result(submission.job_id);
    io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${resultLines(result)}\n`);
    return jobExitCode(result.status);
  });
}

async function hasWorker(client: JobClient, queue: string): Promise<boolean> {
  return ((await client.stats()).find((q) => q.queue === queue)?.workers ?? 0) > 0;
}

// Each input parameter naming a file here is replaced by what the queue can read of it.
async function sendLocalFiles(client: JobClient, tool: SubmittableDefinition, params: Record<string, unknown>, stderr: Output): Promise<void> {
  const onUpload = (file: string, bytes: number) => stderr.write(`Uploading ${file} (${formatBytes(bytes)}) to ${client.where}\n`);
  for (const param of inputParams(tool)) {
    const value = params[param];
    if (Array.isArray(value)) {
      const sent: unknown[] = [];
      for (const v of value) {
        const file = await localFile(v);
        sent.push(file === undefined ? v : await client.localInput(file, onUpload));
      }
      params[param] = sent;
    } else {
      const file = await localFile(value);
      if (file !== undefined) params[param] = await client.localInput(file, onUpload);
    }
  }
}

// Ctrl-C stops the waiting, not the job; a second one leaves at once (a job this process was
// running goes back to its queue as stalled, for another worker).
async function followWithProgress(client: JobClient, jobId: string, tool: string, stderr: Output): Promise<JobStatus> {
  // On a terminal the bar is short (the job id is printed above it); a log line names the job.
  const display = progressDisplay(stderr, stderr.isTTY ? tool : jobId);
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(EXIT_CODES.interrupted);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    return await client.follow(jobId, (status) => display.show(status), stop.signal);
  } finally {
    display.end();
    process.off('SIGINT', onSignal);
  }
}
