// One job, start to end: a fresh work dir, inputs staged and checked, the tool run with its
// limits, outputs checked, summarised and stored, the work dir removed whatever happened.
// Errors are sorted here: input and tool errors fail at once, the infrastructure's retry.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../src/config.js';
import { BioQueueError, encodeStoredError, toStoredError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn, ProgressReport, StoredFile } from '../src/jobs/job-model.js';
import type { ResultStore } from '../src/storage/result-store.js';
import { installHint } from '../src/system/install-hints.js';
import type { AnyToolDefinition, RunContext } from '../tools/define-tool.js';
import { findTool } from '../tools/index.js';
import { workDirOutputReader } from './output-reader.js';
import { sampleProgress, type ProgressSampler } from './progress-sampler.js';
import { assertDatabaseFree, publishDatabase } from './publish-database.js';
import { runTool, type ToolRun } from './run-tool.js';
import { stageInput } from './stage-inputs.js';
import { toolVersion } from './tool-version.js';
import { TOOL_PGID_FILE } from './worker-work-root.js';

export const SHUTDOWN = 'shutdown';

export interface ProcessJobDeps {
  config: Config;
  /** This worker process's own folder for job work dirs. */
  workRoot: string;
  store: ResultStore;
  log: Logger;
  threads: number;
  isCancelRequested(jobId: string): Promise<boolean>;
}

export type JobProcessor = (job: Job<JobData, JobReturn>, token?: string, signal?: AbortSignal) => Promise<JobReturn>;

export function createJobProcessor(deps: ProcessJobDeps): JobProcessor {
  return async (job, token, signal) => {
    const log = deps.log.child({ jobId: job.id, tool: job.data.tool, queue: job.queueName, attempt: job.attemptsMade + 1 });
    let workDir: string | undefined;
    try {
      if (await deps.isCancelRequested(job.id!)) throw cancelled();
      const tool = findTool(job.data.tool);
      if (!tool) throw new BioQueueError('input_invalid', `this worker does not know the tool "${job.data.tool}"`);
      workDir = await fs.mkdtemp(path.join(deps.workRoot, `${job.id}-`));
      log.info({ workDir }, 'job started');
      return await runJob(job, tool, workDir, deps, log, signal);
    } catch (err) {
      if (signal?.aborted && signal.reason === SHUTDOWN && token) {
        // Draining: hand the job back to the queue untouched for another worker.
        log.warn('worker shutting down: job goes back to the queue');
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const error = signal?.aborted && !(err instanceof BioQueueError && err.code === 'cancelled') ? cancelled() : err;
      const stored = toStoredError(error);
      log.warn({ code: stored.code, message: stored.message }, 'job failed');
      if (error instanceof BioQueueError && !error.retryable) throw new UnrecoverableError(encodeStoredError(stored));
      throw new Error(encodeStoredError(stored));
    } finally {
      if (workDir) await fs.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  };
}

function cancelled(): BioQueueError {
  return new BioQueueError('cancelled', 'cancelled by request');
}

async function runJob(
  job: Job<JobData, JobReturn>,
  tool: AnyToolDefinition,
  workDir: string,
  deps: ProcessJobDeps,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<JobReturn> {
  const params = job.data.params as Record<string, unknown>;
  const report = (r: ProgressReport) => job.updateProgress(r);
  await report({ percent: 0, stage: 'staging', message: 'staging inputs' });

  const files: Record<string, string> = {};
  const recordIds: Record<string, readonly string[]> = {};
  for (const spec of tool.inputFiles) {
    const ref = job.data.inputs[spec.param];
    if (!ref) throw new BioQueueError('input_invalid', `${spec.param}: missing from the job`);
    const kind = spec.kindFromParams?.(params) ?? spec.kind;
    const staged = await stageInput(spec.param, ref, path.join(workDir, spec.stagedName), kind, { config: deps.config, store: deps.store, signal });
    files[spec.param] = spec.stagedName;
    recordIds[spec.param] = staged.ids;
  }
  const ctx: RunContext = { files, dbDir: deps.config.dbDir, threads: deps.threads };
  const published = tool.publishesDatabase?.(params);
  if (published) {
    await assertDatabaseFree(deps.config.dbDir, published.name);
    await fs.mkdir(path.join(workDir, path.dirname(published.filesPrefix)), { recursive: true });
  }
  if (signal?.aborted) throw cancelled();

  const argv = tool.argv(params, ctx);
  const version = await toolVersion(tool);
  const startedAt = new Date();
  const progress = tool.progress?.(params);
  const total = progress ? (recordIds[progress.unitsOf]?.length ?? 0) : 0;
  await report({ percent: 0, stage: 'running', message: `running ${tool.binary}`, tool_started_at: startedAt.toISOString() });
  let sampler: ProgressSampler | undefined;
  if (progress && total > 0) {
    sampler = sampleProgress(path.join(workDir, progress.file), progress.createTracker(recordIds[progress.unitsOf]!), total, (done, all) =>
      report({
        // 100 only once the job is really done.
        percent: Math.min(99, Math.floor((100 * done) / all)),
        stage: 'running',
        message: `${done} of ${all} ${progress.unitsOf} sequences done`,
        done,
        total: all,
        tool_started_at: startedAt.toISOString(),
      }),
    );
  }
  log.info({ argv }, 'running the tool');
  let run: ToolRun;
  try {
    run = await runTool({
      argv,
      cwd: workDir,
      env: tool.env?.(params, ctx) ?? {},
      ...(tool.stdoutFile ? { stdoutFile: tool.stdoutFile } : {}),
      softTimeoutMs: deps.config.softTimeLimitMs,
      hardTimeoutMs: deps.config.hardTimeLimitMs,
      ...(signal ? { signal } : {}),
      // Recorded so the next worker can kill the tool if this process dies without cleaning up;
      // best effort: a failed write only costs that clean-up, never the run.
      onSpawn: (pid) => fs.writeFile(path.join(workDir, TOOL_PGID_FILE), String(pid)).catch(() => undefined),
      log,
    });
  } finally {
    await sampler?.stop();
  }
  const runtimeSeconds = (Date.now() - startedAt.getTime()) / 1000;
  checkRun(tool, params, argv, run, deps.config);

  await report({ percent: 99, stage: 'collecting', message: 'checking and storing the outputs', tool_started_at: startedAt.toISOString() });
  const outputs = tool.outputs(params);
  let totalBytes = 0;
  for (const output of outputs) {
    const stat = await fs.stat(path.join(workDir, output.name)).catch(() => undefined);
    if (!stat) throw new BioQueueError('tool_failed', `${tool.binary} exited 0 but wrote no ${output.name}`, { command: argv, exit_code: 0, stderr_tail: run.stderrTail });
    totalBytes += stat.size;
  }
  if (totalBytes > tool.limits.maxOutputBytes) {
    throw new BioQueueError('output_too_large', `${tool.binary} wrote ${totalBytes} bytes, more than the ${tool.limits.maxOutputBytes} allowed`);
  }
  const summary = await tool.summarize(params, workDirOutputReader(workDir));
  if (published) await publishDatabase(workDir, deps.config.dbDir, published);
  const stored: StoredFile[] = [];
  for (const output of outputs) {
    stored.push(await deps.store.put(job.id!, output.name, path.join(workDir, output.name), output.mediaType));
  }
  const finishedAt = new Date();
  log.info({ runtimeSeconds, totalBytes }, 'job completed');
  return {
    summary,
    files: stored,
    command: argv,
    tool_version: version,
    exit_code: run.exitCode ?? 0,
    runtime_seconds: Math.round(runtimeSeconds * 1000) / 1000,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
  };
}

// A run that did not exit 0 becomes the error a client sees, with the tool's own last words.
function checkRun(tool: AnyToolDefinition, params: Record<string, unknown>, argv: string[], run: ToolRun, config: Config): void {
  const details = { command: argv, exit_code: run.exitCode, signal: run.signal, stderr_tail: lastLines(run.stderrTail, 10) };
  if (run.spawnError) {
    throw new BioQueueError('tool_missing', `${tool.binary} is not installed on this worker: ${installHint(tool.binary)}`, details);
  }
  if (run.end === 'aborted') throw new BioQueueError('cancelled', 'cancelled by request', details);
  if (run.end === 'soft-timeout' || run.end === 'hard-timeout') {
    const limit = run.end === 'soft-timeout' ? config.softTimeLimitMs : config.hardTimeLimitMs;
    throw new BioQueueError('timeout', `${tool.binary} ran longer than the ${limit / 1000} s time limit and was stopped`, details);
  }
  if (run.exitCode === 0) return;
  const said = lastLines(run.stderrTail, 3) || 'no message';
  const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
  const database = tool.databaseParam ? String(params[tool.databaseParam]) : undefined;
  if (database && /No alias or index file found|BLAST Database error/i.test(run.stderrTail)) {
    throw new BioQueueError('input_invalid', `database "${database}" not found; list_databases shows what exists (${tool.binary}: ${said})`, {
      ...details,
      field: tool.databaseParam,
    });
  }
  throw new BioQueueError('tool_failed', `${tool.binary} ${how}: ${said}`, details);
}

function lastLines(text: string, n: number): string {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(-n).join('\n');
}

export function defaultThreads(concurrency: number, configured: number | undefined): number {
  return configured ?? Math.max(1, Math.floor(os.availableParallelism() / concurrency));
}
