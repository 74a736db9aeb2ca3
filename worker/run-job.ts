// One job from staged inputs to stored results, as named steps: prepare the inputs (staged,
// checked, indexes cached), check the name of a database it will publish, run its commands,
// collect and limit the outputs, summarise them, publish the database, store the files.
// Everything here throws BioQueueErrors; process-job.ts decides what they mean for the queue.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../src/config.js';
import { BioQueueError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn, ProgressReport, StoredFile } from '../src/jobs/job-model.js';
import type { ResultStore } from '../src/storage/result-store.js';
import type { AnyToolDefinition, OutputSpec } from '../tools/define-tool.js';
import type { BuildLocks } from './build-lock.js';
import { prepareJobInputs } from './job-inputs.js';
import { mainCommand } from './main-command.js';
import { workDirOutputReader } from './output-reader.js';
import { assertDatabaseFree, publishDatabase } from './publish-database.js';
import type { RunPipelineOptions } from './run-pipeline.js';
import { runSteps } from './run-steps.js';
import { toolVersion } from './tool-version.js';

export interface RunJobDeps {
  config: Config;
  store: ResultStore;
  locks: BuildLocks;
  log: Logger;
  threads: number;
  report(report: ProgressReport): Promise<void>;
  signal?: AbortSignal | undefined;
  watchdog?: RunPipelineOptions['watchdog'];
  /** This attempt's own prefix for stored file names, so a second run of the job never overwrites the first's (publish-once.ts); none for the first. */
  attemptTag?: string | undefined;
}

export async function runJob(jobId: string, data: JobData, tool: AnyToolDefinition, workDir: string, deps: RunJobDeps): Promise<JobReturn> {
  const { config, log } = deps;
  const params = data.params;
  const clock = { softTimeoutMs: config.softTimeLimitMs, hardTimeoutMs: config.hardTimeLimitMs, startedAt: Date.now() };
  await deps.report({ percent: 0, stage: 'staging', message: 'staging inputs' });

  const inputs = await prepareJobInputs(tool, data.inputs, params, workDir, {
    config,
    store: deps.store,
    signal: deps.signal,
    threads: deps.threads,
    index: { locks: deps.locks, log, threads: deps.threads, softTimeoutMs: clock.softTimeoutMs, hardTimeoutMs: clock.hardTimeoutMs, signal: deps.signal, watchdog: deps.watchdog },
    onStatus: (message) => deps.report({ percent: 0, stage: 'staging', message }),
  });
  const published = tool.publishes?.(params);
  if (published) await assertDatabaseFree(config.dbDir, published);
  await fs.mkdir(path.join(workDir, 'tmp'));
  if (published) await fs.mkdir(path.join(workDir, path.dirname(published.prefix)), { recursive: true });
  if (deps.signal?.aborted) throw new BioQueueError('cancelled', 'cancelled by request');

  const steps = tool.steps(params, inputs.context);
  const version = await toolVersion(tool.binaries);
  const startedAt = new Date();
  // Temporary files (mafft's, samtools sort's) stay inside the work dir, which is removed after.
  const env = { ...inputs.env, ...tool.env?.(params, inputs.context), TMPDIR: path.join(workDir, 'tmp') };
  const ran = await runSteps({
    tool,
    steps,
    params,
    workDir,
    env,
    inputTotal: (step) => (step.progress?.of ? inputs.count(step.progress.of.inputs, step.progress.of.count) : undefined),
    ids: inputs.ids,
    limits: clock,
    signal: deps.signal,
    watchdog: deps.watchdog,
    report: (r) => deps.report({ ...r, stage: 'running', tool_started_at: startedAt.toISOString() }),
    log,
  });
  const runtimeSeconds = (Date.now() - startedAt.getTime()) / 1000;

  await deps.report({ percent: 99, stage: 'collecting', message: 'checking and storing the outputs', tool_started_at: startedAt.toISOString() });
  const outputs = tool.outputs(params);
  const totalBytes = await collectOutputs(tool, outputs, workDir);
  const summary = await tool.summarize(params, workDirOutputReader(workDir), inputs.facts);
  if (published) await publishDatabase(workDir, config.dbDir, published);
  const files: StoredFile[] = [];
  for (const output of outputs) {
    const storedName = deps.attemptTag ? `${deps.attemptTag}.${output.name}` : output.name;
    const stored = await deps.store.put(jobId, storedName, path.join(workDir, output.name), output.mediaType);
    files.push({ ...stored, name: output.name });
  }
  log.info({ runtimeSeconds, totalBytes }, 'job completed');
  return {
    summary,
    files,
    command: [...mainCommand(steps, tool.binaries[0]!.name)],
    steps: ran,
    indexes: inputs.indexes,
    tool_version: version,
    exit_code: 0,
    runtime_seconds: Math.round(runtimeSeconds * 1000) / 1000,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
  };
}

// Every declared output must be there, and all of them within the tool's size limit.
async function collectOutputs(tool: AnyToolDefinition, outputs: readonly OutputSpec[], workDir: string): Promise<number> {
  const main = tool.binaries[0]!.name;
  let total = 0;
  for (const output of outputs) {
    const stat = await fs.stat(path.join(workDir, output.name)).catch(() => undefined); // missing: said below
    if (!stat?.isFile()) throw new BioQueueError('tool_failed', `${main} exited 0 but wrote no ${output.name}`);
    total += stat.size;
  }
  if (total > tool.limits.maxOutputBytes) {
    throw new BioQueueError('output_too_large', `${main} wrote ${total} bytes, more than the ${tool.limits.maxOutputBytes} allowed`);
  }
  return total;
}
