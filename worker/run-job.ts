// One job from staged inputs to stored results, as named steps: prepare the inputs (staged,
// checked, indexes cached), check the name of a database it will publish, run its commands,
// collect and limit the outputs, summarise them, publish the database, store the files.
// Everything here throws BioQueueErrors, with the server's folders taken out of their texts;
// process-job.ts decides what they mean for the queue.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config.js';
import { BioQueueError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn, ProgressReport, StoredFile } from '../src/jobs/job-model.js';
import type { ResultStore } from '../src/storage/result-store.js';
import type { AnyToolDefinition, OutputSpec } from '../tools/define-tool.js';
import type { BuildLocks } from './build-lock.js';
import { prepareJobInputs } from './job-inputs.js';
import { breachMessage, jobLimits, type JobLimits } from './job-limits.js';
import { mainCommand } from './main-command.js';
import { delegatedMemoryCgroup } from './memory-cgroup.js';
import { runWithMemoryRetry } from './memory-retry.js';
import { workDirOutputReader } from './output-reader.js';
import { assertDatabaseFree, publishDatabase } from './publish-database.js';
import { resourceGuard } from './resource-guard.js';
import type { RunPipelineOptions } from './run-pipeline.js';
import { runSteps } from './run-steps.js';
import { stepEnvironment } from './step-environment.js';
import { outputFileSize } from './work-dir-usage.js';
import { startSummaryWhileRunning, type RunningSummary } from './summary-while-running.js';
import type { StageClock } from './stage-clock.js';
import { hideServerPaths, serverPathHider, type PathHider } from './server-paths.js';
import { toolVersion } from './tool-version.js';

export interface RunJobDeps {
  config: Config;
  store: ResultStore;
  locks: BuildLocks;
  log: Logger;
  threads: number;
  report(report: ProgressReport): Promise<void>;
  /** Whole stderr lines of the tool as it runs, for clients following the job. */
  stderrLines?: ((lines: string[]) => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  launcher?: RunPipelineOptions['launcher'];
  /** This attempt's own prefix for stored file names, so a second run of the job never overwrites the first's (publish-once.ts); none for the first. */
  attemptTag?: string | undefined;
  /** Told as each stage ends, for the job's timing line (stage-clock.ts). */
  stages?: StageClock | undefined;
}

export async function runJob(jobId: string, data: JobData, tool: AnyToolDefinition, workDir: string, deps: RunJobDeps): Promise<JobReturn> {
  const { config } = deps;
  try {
    return await runJobInWorkDir(jobId, data, tool, workDir, deps);
  } catch (err) {
    throw hideServerPaths(err, await serverPathHider({ workDir, workRoot: config.workRoot, dbDir: config.dbDir, dataDir: config.dataDir }));
  }
}

async function runJobInWorkDir(jobId: string, data: JobData, tool: AnyToolDefinition, workDir: string, deps: RunJobDeps): Promise<JobReturn> {
  const { config, log } = deps;
  const params = data.params;
  const clock = { softTimeoutMs: config.softTimeLimitMs, hardTimeoutMs: config.hardTimeLimitMs, startedAt: Date.now() };
  const limits = jobLimits(config.limits, tool);
  const cgroupParent = limits.memory ? await delegatedMemoryCgroup(log) : undefined;
  const outputs = tool.outputs(params);
  // Asked now, answered by the time it is needed: the first job of a binary waited ~65 ms for it.
  const version = toolVersion(tool.binaries).catch(() => null);
  const mark = (stage: string) => deps.stages?.mark(stage);
  mark('limits');
  await deps.report({ percent: 0, stage: 'staging', message: 'staging inputs' });
  mark('progress: staging');

  const inputs = await prepareJobInputs(tool, data.inputs, params, workDir, {
    config,
    store: deps.store,
    signal: deps.signal,
    threads: deps.threads,
    index: {
      locks: deps.locks,
      log,
      threads: deps.threads,
      softTimeoutMs: clock.softTimeoutMs,
      hardTimeoutMs: clock.hardTimeoutMs,
      signal: deps.signal,
      // An index build runs in the shared cache, not the work dir: only its memory is the job's.
      guard: resourceGuard({ memory: limits.memory, cgroupParent, log }),
      launcher: deps.launcher,
    },
    onStatus: (message) => deps.report({ percent: 0, stage: 'staging', message }),
  });
  const published = tool.publishes?.(params);
  if (published) await assertDatabaseFree(config.dbDir, published, jobId);
  mkdirSync(path.join(workDir, 'tmp'));
  if (published) mkdirSync(path.join(workDir, path.dirname(published.prefix)), { recursive: true });
  if (deps.signal?.aborted) throw new BioQueueError('cancelled', 'cancelled by request');
  mark('inputs');

  const startedAt = new Date();
  // Temporary files (mafft's, samtools sort's) stay inside the work dir, which is removed after.
  const env = stepEnvironment({ databases: inputs.env, tool: tool.env?.(params, inputs.context), tmpDir: path.join(workDir, 'tmp') });
  const guard = resourceGuard({
    memory: limits.memory,
    cgroupParent,
    workDir: { dir: workDir, limit: limits.workDir },
    outputs: { dir: workDir, names: outputs.map((o) => o.name), limit: limits.output },
    log,
  });
  // The live stderr reaches clients as it is written: without the server's folders, as errors are.
  // The rules are made at the first lines (four realpaths and a dozen patterns): most tiny runs write none.
  let hider: Promise<PathHider> | undefined;
  const stderrLines = deps.stderrLines
    ? async (lines: string[]) => {
        hider ??= serverPathHider({ workDir, workRoot: config.workRoot, dbDir: config.dbDir, dataDir: config.dataDir });
        const hide = await hider;
        return deps.stderrLines!(lines.map(hide));
      }
    : undefined;
  mark('guards');
  // Parts of a split search are summarised by no one (below).
  const summaryAlongside = !data.parent?.part && tool.summaryWhileRunning?.(params) === true;
  let running: RunningSummary | undefined;
  const { ran, steps, notes } = await runWithMemoryRetry({
    plan: (threads) => tool.steps(params, { ...inputs.context, threads }),
    run: async (steps) => {
      running?.abandon();
      running = summaryAlongside ? startSummaryWhileRunning(tool, params, workDir, inputs.facts) : undefined;
      try {
        const done = await runSteps({
          tool,
          steps,
          params,
          workDir,
          env,
          inputTotal: (step) => (step.progress?.of ? inputs.count(step.progress.of.inputs, step.progress.of.count) : undefined),
          ids: inputs.ids,
          limits: clock,
          signal: deps.signal,
          guard,
          launcher: deps.launcher,
          stages: deps.stages,
          report: (r) => deps.report({ ...r, stage: 'running', tool_started_at: startedAt.toISOString() }),
          stderrLines,
          log,
        });
        running?.toolEnded();
        return done;
      } catch (err) {
        running?.abandon();
        running = undefined;
        throw err;
      }
    },
    threads: inputs.context.threads,
    workDir,
    outputs,
    log,
  });
  const runtimeSeconds = (Date.now() - startedAt.getTime()) / 1000;
  mark('tool: after exit');

  await deps.report({ percent: 99, stage: 'collecting', message: 'checking and storing the outputs', tool_started_at: startedAt.toISOString() });
  mark('progress: collecting');
  const totalBytes = collectOutputs(tool, outputs, workDir, limits);
  mark('outputs checked');
  // A split search's part is summarised by no one: the merge summarises the whole output, and a
  // part's own summary (a second or so of a large BLAST output) would only be thrown away.
  const summary = data.parent?.part
    ? { part_of: data.parent.job_id }
    : running
      ? await running.summary
      : await tool.summarize(params, workDirOutputReader(workDir), inputs.facts);
  mark('summary');
  if (published) {
    const outcome = await publishDatabase(workDir, config.dbDir, published, { jobId, locks: deps.locks, log, signal: deps.signal });
    // This run's own build is left in the work dir (removed with it); the result describes the
    // same input built by the same tool.
    if (outcome === 'kept') log.warn({ database: published.name }, 'an earlier attempt of this job already published the database: keeping it');
  }
  const files: StoredFile[] = [];
  for (const output of outputs) {
    const storedName = deps.attemptTag ? `${deps.attemptTag}.${output.name}` : output.name;
    const stored = await deps.store.put(jobId, storedName, path.join(workDir, output.name), output.mediaType);
    files.push({ ...stored, name: output.name });
  }
  mark('files stored');
  log.info({ runtimeSeconds, totalBytes }, 'job completed');
  return {
    summary,
    files,
    command: [...mainCommand(steps, tool.binaries[0]!.name)],
    steps: ran,
    indexes: inputs.indexes,
    tool_version: await version,
    exit_code: 0,
    runtime_seconds: Math.round(runtimeSeconds * 1000) / 1000,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

// Every declared output must be there, and all of them within the output limit (checked again
// here: a tool may write its last bytes between two looks of the watch).
function collectOutputs(tool: AnyToolDefinition, outputs: readonly OutputSpec[], workDir: string, limits: JobLimits): number {
  const main = tool.binaries[0]!.name;
  let total = 0;
  for (const output of outputs) {
    const size = outputFileSize(path.join(workDir, output.name));
    if (size === undefined) throw new BioQueueError('tool_failed', `${main} exited 0 but wrote no ${output.name}`);
    total += size;
  }
  if (total > limits.output.bytes) {
    throw new BioQueueError('output_too_large', breachMessage({ kind: 'output', limit: limits.output, observed: total, stopped: false }, main));
  }
  return total;
}
