// A split-query search's own job (the `split` parameter of BLAST+ and DIAMOND searches), on the
// pipeline queue. Only a worker has the query file, so the fan-out happens here, with BullMQ's
// dynamic children rather than a flow made at submit:
//   1. split: the query is staged and checked as for any job, cut into parts of about equal
//      letters (split-query.ts), each part stored as the staged input of its own part job, and the
//      part jobs added as children of this one on the tool's queue, where any free worker runs
//      them with the tool's usual processor (retries, cancel, limits: all per part);
//   2. wait: moveToWaitingChildren hands this job back to BullMQ until every part has completed;
//      a part that fails for good fails this job (failParentOnFailure);
//   3. merge: the parts' published outputs, merged in query order (merge-search-outputs.ts), become
//      this job's files under the tool's own names, summarised by the tool's own summarize().
// Part ids are derived from this job's id, so an attempt that dies while adding parts and runs
// again adds the same jobs (BullMQ ignores an id it holds); the split itself is deterministic.
import fs from 'node:fs/promises';
import path from 'node:path';
import { WaitingChildrenError, type Job, type JobsOptions } from 'bullmq';
import type { Config } from '../src/config.js';
import { BioQueueError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { derivedJobId } from '../src/jobs/job-ids.js';
import type { JobData, JobReturn, RunStep, StoredFile } from '../src/jobs/job-model.js';
import type { ResultStore } from '../src/storage/result-store.js';
import type { AnyToolDefinition } from '../tools/define-tool.js';
import { findTool } from '../tools/index.js';
import { mergeSearchOutputs } from './merge-search-outputs.js';
import { workDirOutputReader } from './output-reader.js';
import { attemptTag as attemptTagOf, type ResultLedger } from './publish-once.js';
import { splitQuery } from './split-query.js';
import { InputNames, stageInput } from './stage-inputs.js';

type SplitPart = NonNullable<NonNullable<JobData['split']>['parts']>[number];

export interface SplitSearchDeps {
  config: Config;
  store: ResultStore;
  ledger: ResultLedger;
  log: Logger;
  /** This worker process's own folder for job work dirs. */
  workRoot: string;
  isCancelRequested(jobId: string): Promise<boolean>;
  /** Adds one part job to `queue` (BullMQ's Queue.add). */
  addPart(queue: string, name: string, data: JobData, options: JobsOptions): Promise<void>;
  /** Retries of every job (job-queues.ts jobDefaults); how long ended jobs are kept is the workers' (jobRetention). */
  partOptions: JobsOptions;
}

function cancelled(): BioQueueError {
  return new BioQueueError('cancelled', 'cancelled by request');
}

export function createSplitSearchProcessor(deps: SplitSearchDeps) {
  return async (job: Job<JobData, JobReturn>, token: string | undefined, signal?: AbortSignal): Promise<JobReturn> => {
    const tool = findTool(job.data.tool);
    if (!tool?.split) throw new BioQueueError('input_invalid', `job ${job.id}: the tool "${job.data.tool}" cannot run split-query`);
    if (!token) throw new BioQueueError('infrastructure', `job ${job.id}: a split search needs its worker's lock token`);
    const log = deps.log.child({ jobId: job.id, tool: tool.name, queue: job.queueName });
    const earlier = await deps.ledger.published(job.id!);
    if (earlier) return earlier;
    if (await deps.isCancelRequested(job.id!)) throw cancelled();
    let parts = job.data.split?.parts;
    if (!parts) {
      parts = await splitIntoParts(job, tool, deps, log, signal);
      await job.updateData({ ...job.data, split: { parts, starts: job.attemptsStarted } });
    }
    // False once every part has completed: then merge. True: BullMQ wakes this job when they have.
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
    // Cancelled while its parts ran, which all completed before their cancel arrived: nothing is merged.
    if (signal?.aborted || (await deps.isCancelRequested(job.id!))) throw cancelled();
    return mergeParts(job, tool, parts, deps, log, signal);
  };
}

// Stage 1: the query staged and checked, split, and each part queued as a job of the tool.
async function splitIntoParts(job: Job<JobData, JobReturn>, tool: AnyToolDefinition, deps: SplitSearchDeps, log: Logger, signal?: AbortSignal): Promise<SplitPart[]> {
  const spec = tool.split!;
  const inputSpec = tool.inputs.find((i) => i.param === spec.input)!;
  const ref = job.data.inputs[spec.input];
  if (!ref || Array.isArray(ref)) throw new BioQueueError('input_invalid', `${spec.input}: a split search needs one query file`, { field: spec.input });
  const workDir = await fs.mkdtemp(path.join(deps.workRoot, `${job.id}-`));
  try {
    await job.updateProgress({ percent: 0, stage: 'staging', message: 'staging and splitting the query' });
    const residues = typeof inputSpec.residues === 'function' ? inputSpec.residues(job.data.params) : (inputSpec.residues ?? 'any');
    // readsGzip off: a gzip query is decompressed, so it can be split by records.
    const staged = await stageInput(spec.input, ref, { ...inputSpec, readsGzip: false, keepIds: false }, residues, workDir, new InputNames(), { config: deps.config, store: deps.store, signal });
    if (staged.kind !== 'file') throw new BioQueueError('input_invalid', `${spec.input}: a split search needs a query file, not a database`, { field: spec.input });
    const split = job.data.params.split as number | 'auto';
    const files = await splitQuery(staged.absolute, path.join(workDir, 'parts'), { parts: split, limits: deps.config.split, recordCost: spec.recordCost?.(job.data.params) ?? 0 });
    const { split: _asked, ...partParams } = job.data.params;
    const parts: SplitPart[] = [];
    for (const file of files) {
      const partId = derivedJobId(tool.queue, `${job.id}/part/${file.index}`);
      // Checked once more between parts: a cancel while splitting stops before more work is queued.
      if (signal?.aborted || (await deps.isCancelRequested(job.id!))) throw cancelled();
      const key = await deps.store.stageInput(partId, spec.input, file.path);
      const data: JobData = {
        tool: tool.name,
        params: { ...partParams, [spec.input]: `part ${file.index} of ${files.length} of ${String(job.data.params[spec.input])}` },
        inputs: { ...job.data.inputs, [spec.input]: { kind: 'stored', key, name: path.basename(file.path) } },
        priority: job.data.priority,
        owner: job.data.owner,
        submitted_at: job.data.submitted_at,
        parent: { job_id: job.id!, step: file.index - 1, part: true },
      };
      await deps.addPart(tool.queue, tool.name, data, {
        ...deps.partOptions,
        jobId: partId,
        priority: job.opts.priority,
        parent: { id: job.id!, queue: job.queueQualifiedName },
        failParentOnFailure: true,
      });
      parts.push({ job_id: partId, letters: file.letters, records: file.records });
    }
    log.info({ parts: parts.length, letters: parts.reduce((n, p) => n + p.letters, 0) }, 'split search: parts queued');
    return parts;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true }).catch((err: unknown) => log.warn({ err, workDir }, 'could not remove the work dir'));
  }
}

// Stage 3: every part has completed; their outputs merged in query order become this job's.
async function mergeParts(job: Job<JobData, JobReturn>, tool: AnyToolDefinition, parts: readonly SplitPart[], deps: SplitSearchDeps, log: Logger, signal?: AbortSignal): Promise<JobReturn> {
  await job.updateProgress({ percent: 99, stage: 'collecting', message: `merging the outputs of ${parts.length} parts` });
  const results: JobReturn[] = [];
  for (const [i, part] of parts.entries()) {
    const result = await deps.ledger.published(part.job_id);
    // A part completes only by publishing; its absence means Redis lost it: worth another attempt.
    if (!result) throw new BioQueueError('infrastructure', `part ${i + 1} of ${parts.length} (job ${part.job_id}) has no published result`);
    results.push(result);
  }
  const params = job.data.params;
  const format = tool.split!.format(params);
  const workDir = await fs.mkdtemp(path.join(deps.workRoot, `${job.id}-`));
  try {
    const files: StoredFile[] = [];
    const outputs = tool.outputs(params);
    // Waking up to merge is a start of its own to BullMQ: the first merge is not a retry, and stores
    // its files under their own names.
    const tag = attemptTagOf(job.attemptsStarted - (job.data.split?.starts ?? 0));
    for (const output of outputs) {
      const partPaths: string[] = [];
      for (const [i, result] of results.entries()) {
        const file = result.files.find((f) => f.name === output.name);
        if (!file) throw new BioQueueError('infrastructure', `part ${i + 1} of ${parts.length} (job ${parts[i]!.job_id}) made no ${output.name}`);
        const local = path.join(workDir, `part-${i + 1}.${output.name}`);
        await deps.store.download({ key: file.key }, local, signal);
        partPaths.push(local);
      }
      await mergeSearchOutputs(format, partPaths, path.join(workDir, output.name));
      for (const p of partPaths) await fs.rm(p, { force: true });
    }
    const summary = await tool.summarize(params, workDirOutputReader(workDir), {});
    for (const output of outputs) {
      const stored = await deps.store.put(job.id!, tag ? `${tag}.${output.name}` : output.name, path.join(workDir, output.name), output.mediaType);
      files.push({ ...stored, name: output.name });
    }
    const steps: RunStep[] = results.flatMap((r, i) => (r.steps ?? [{ label: 'searching', pipeline: [r.command], stdout: null }]).map((s) => ({ ...s, label: `part ${i + 1} of ${parts.length}: ${s.label}` })));
    const value: JobReturn = {
      summary: {
        ...summary,
        split: { parts: parts.map((p, i) => ({ part: i + 1, job_id: p.job_id, records: p.records, letters: p.letters, runtime_seconds: results[i]!.runtime_seconds })) },
      },
      files,
      command: results[0]!.command,
      steps,
      indexes: results.flatMap((r) => r.indexes ?? []),
      tool_version: results[0]!.tool_version,
      exit_code: 0,
      // The parts' run times added up: the work done, whatever ran at once.
      runtime_seconds: Math.round(results.reduce((n, r) => n + r.runtime_seconds, 0) * 1000) / 1000,
      started_at: results.map((r) => r.started_at).sort()[0]!,
      finished_at: new Date().toISOString(),
    };
    const published = await deps.ledger.commit(job.id!, value);
    // The merged files hold everything the parts made: the parts' own copies would only double
    // the disk the search takes (and were never counted against its owner, ended-job-storage.ts).
    for (const part of parts) {
      await deps.store.removeJob(part.job_id).catch((err: unknown) => log.warn({ err, part: part.job_id }, 'could not remove a merged part\'s files; retention removes them'));
    }
    log.info({ parts: parts.length }, 'split search: parts merged');
    return published.result;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true }).catch((err: unknown) => log.warn({ err, workDir }, 'could not remove the work dir'));
  }
}

/**
 * A part of a split search ended badly for good, which fails the search (failParentOnFailure):
 * the other parts are of no use any more, so they stop — queued ones fail as cancelled when a
 * worker takes them (their parent is flagged), running ones are stopped as any cancelled job.
 */
export async function stopSiblingParts(
  part: Job<JobData, JobReturn>,
  deps: { readParent(jobId: string): Promise<Pick<JobData, 'split'> | undefined>; cancel(jobIds: readonly string[]): Promise<void> },
): Promise<void> {
  const parentId = part.data.parent?.job_id;
  if (parentId === undefined) return;
  const parent = await deps.readParent(parentId);
  const parts = parent?.split?.parts;
  if (!parts) return;
  await deps.cancel([parentId, ...parts.map((p) => p.job_id).filter((id) => id !== part.id)]);
}
