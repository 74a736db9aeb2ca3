// The only code that speaks BullMQ to submit or read jobs. Every adapter (MCP, HTTP, CLI)
// calls this; the rules of the public job model live here and in job-view.ts.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { BioQueueError, inputError } from '../errors.js';
import { resolveInputRef, type InputRef, type InputRefConfig, type InputRefExpectation, type StoredInputResolver } from '../inputs/input-ref.js';
import { intersectRoots, NO_SHARED_ROOTS } from '../inputs/client-roots.js';
import { listDatabaseCatalog, type DatabaseList } from '../databases/database-catalog.js';
import type { Logger } from '../logger.js';
import type { FileDownload, ResultStore } from '../storage/result-store.js';
import type { AnyToolDefinition, InputSpec } from '../../tools/define-tool.js';
import { DATABASE_NAME } from '../../tools/common-options.js';
import { databaseKinds, findTool } from '../../tools/index.js';
import { findPipeline } from '../../tools/pipelines.js';
import { parseStepRef, PIPELINE_QUEUE } from '../../tools/define-pipeline.js';
import { wantsSplit } from '../../tools/split-option.js';
import { newJobId, queueOfJobId } from './job-ids.js';
import { jobKeys, type JobKeys } from './job-keys.js';
import { readStderrLines, STDERR_LOG_MAX_LINES } from './job-stderr-log.js';
import type { HealthReport, JobData, JobPage, JobResult, JobStatus, QueueStats, Submission, UploadTicket, WorkerInfo, WorkerShutdown } from './job-model.js';
import { isTerminal } from './job-model.js';
import { listWorkers, shutdownWorker, workerConnections } from './list-workers.js';
import { jobMetricsKeys, readJobMetrics, type JobMetrics } from './job-metrics-store.js';
import { bullPriority, jobDefaults, type JobQueues } from './job-queues.js';
import { chainFlow, type FlowMember } from './job-flow.js';
import { planPipeline, type PipelinePlan } from './pipeline-plan.js';
import { toJobResult, toJobStatus, type AnyJob, type BullState } from './job-view.js';
import { toPipelineResult, toPipelineStatus, type StepSnapshot } from './pipeline-view.js';
import { toSplitResult, toSplitStatus, type PartSnapshot } from './split-view.js';
import { dropTombstone, readTombstone, writeTombstone } from './tombstone.js';
import { ENDING_WAKES, timerOnly, type JobEvents } from './job-events.js';
import { listJobIds, type ListFilter } from './list-jobs.js';
import { indexJob, indexSources } from './job-index.js';
import { statusCandidates } from './status-candidates.js';
import { canSee, type Caller } from './caller.js';
import { takeSubmitToken } from './submit-rate-limit.js';
import { createInputResolver } from './input-resolver.js';
import { claimIdempotencyKey, submissionFingerprint } from './idempotency.js';
import { ownerUsage, usageSet, type OwnerUsage } from './owner-usage.js';
import { ownerSlots, type HeldBack, type OwnerSlots } from './owner-slots.js';
import { settleEndedJob } from './ended-job-storage.js';
import { parseKey } from '../storage/store-keys.js';
import { openSignedDownload, receiveSignedUpload } from './signed-file-links.js';
import { queueReads, readJob, type JobReads, type JobSnapshot } from './read-job.js';
import { checkNotifyUrl } from './notify-url.js';
import { announceJobEnd, openNotifyQueue, type NotifyQueue } from './notify-queue.js';

/** A client following a job's live stderr (job-stderr-log.ts): where it has read to, and where new lines go. */
export interface StderrFollower {
  /** STDERR_LOG_START at first; wait() moves it past each line delivered. */
  cursor: string;
  deliver(lines: readonly string[]): Promise<void>;
}

export interface SubmitOptions {
  priority: number;
  caller: Caller;
  /** Sending the same key again gives back the job it made (idempotency.ts); already checked by the adapter's schema. */
  idempotencyKey?: string | undefined;
  /** Folders the MCP client shared (its roots, over stdio): path inputs must lie inside these as well as the input roots. */
  clientRoots?: readonly string[] | undefined;
  /** Where the job's end is announced (notify-url.ts): checked here against the address policy. */
  notifyUrl?: string | undefined;
  /** Aborted when the caller is gone (its HTTP request closed, its MCP call cancelled): a wait for another submission with the same idempotency key stops. */
  signal?: AbortSignal | undefined;
}

// Between event wake-ups wait() also re-reads the job on this timer (see job-events.ts).
const POLL_MS = 500;

/**
 * JobService as the adapters use it: its public members only, so a stand-in can take its place
 * while the service is still starting (deferred-job-service.ts).
 */
export type JobsApi = Pick<JobService, keyof JobService>;

export class JobService {
  private readonly keys: JobKeys;
  private readonly usage: OwnerUsage;
  private readonly slots: OwnerSlots;
  private flowProducer: FlowProducer | undefined;
  private notifyQueue: NotifyQueue | undefined;

  constructor(
    private readonly config: Config,
    private readonly queues: JobQueues,
    private readonly redis: Redis,
    private readonly store: ResultStore,
    private readonly log: Logger,
    private readonly events: JobEvents = timerOnly,
  ) {
    this.keys = jobKeys(config.prefix);
    this.usage = ownerUsage(redis, config.prefix, config.retentionMs, config.ownerQuotaBytes);
    this.slots = ownerSlots(redis, config.prefix);
  }

  /**
   * Checks the parameters and inputs, then queues the job; returns at once. With an
   * idempotency key already used by this owner, returns the job it made instead.
   */
  async submit(toolName: string, rawParams: unknown, options: SubmitOptions): Promise<Submission> {
    const { caller, idempotencyKey } = options;
    const pipeline = findPipeline(toolName);
    const tool = pipeline ? undefined : findTool(toolName);
    if (!tool && !pipeline) throw inputError('job_type', `unknown tool "${toolName}"`);
    if (options.notifyUrl !== undefined) checkNotifyUrl(options.notifyUrl, this.config);
    // Checked whole before anything is queued; for a pipeline every step with it.
    const plan = pipeline ? planPipeline(pipeline, rawParams) : undefined;
    const params = plan ? plan.params : parseParams(tool!, rawParams);
    // A split-query search is its own job on the pipeline queue, whose worker fans it out (worker/split-search.ts).
    const split = tool?.split !== undefined && wantsSplit(params);
    const queue = pipeline || split ? PIPELINE_QUEUE : tool!.queue;
    const add = (jobId: string) => (pipeline ? this.submitPipeline(pipeline.name, plan!, options, jobId) : this.submitNew(tool!, params, options, jobId, split));
    const jobId = newJobId(queue);
    if (idempotencyKey === undefined) return add(jobId);
    const claim = await claimIdempotencyKey({
      redis: this.redis,
      prefix: this.config.prefix,
      owner: caller.owner,
      key: idempotencyKey,
      fingerprint: submissionFingerprint(toolName, options.notifyUrl === undefined ? params : { ...params, notify_url: options.notifyUrl }, options.priority),
      jobId,
      jobExists: (id) => this.find(id, caller).then(
        () => true,
        (err: unknown) => {
          if (err instanceof BioQueueError && err.code === 'not_found') return false;
          throw err;
        },
      ),
      retentionMs: this.config.retentionMs,
      signal: options.signal,
    });
    if (claim.kind === 'existing') {
      // Not counted against the rate limit or the quota: nothing new is made.
      const { status } = await this.status(claim.jobId, caller);
      return { job_id: claim.jobId, status, tool: toolName, queue, priority: options.priority };
    }
    let submission: Submission;
    try {
      submission = await add(claim.jobId);
    } catch (err) {
      await claim.release().catch((releaseError: unknown) => this.log.warn({ err: releaseError, jobId }, 'could not free the idempotency key of a failed submission; it frees itself within 20 seconds'));
      throw err;
    }
    // The job is queued whatever happens here; a lost confirmation is read back from the job itself.
    await claim.confirm().catch((err: unknown) => this.log.warn({ err, jobId }, 'could not confirm the idempotency key of a queued job yet; trying again in the background'));
    return submission;
  }

  // Rate and quota first, then each input resolved (and, for S3 storage, path inputs staged),
  // then the job queued under jobId.
  // A split search (split) is queued the same way, as its own job on the pipeline queue: its
  // worker splits the query and adds the parts as its children.
  private async submitNew(tool: AnyToolDefinition, params: Record<string, unknown>, options: SubmitOptions, jobId: string, split = false): Promise<Submission> {
    const queue = split ? PIPELINE_QUEUE : tool.queue;
    const { caller } = options;
    await this.admit(caller);
    const staged = new Map<string, number>();
    try {
      const inputs = await this.resolveInputs(tool, params, caller, jobId, [], staged, await this.inputRefConfig(options));
      const data: JobData = { ...this.jobData(tool.name, params, inputs, options), ...notifyData(options), ...(split ? { split: {} } : {}) };
      await this.index(jobId, caller, data);
      await this.queue(queue).add(tool.name, data, { jobId, priority: bullPriority(options.priority) });
    } catch (err) {
      await this.removeStaged(staged);
      throw err;
    }
    await this.countStaged(caller, staged);
    return { job_id: jobId, status: 'queued', tool: tool.name, queue, priority: options.priority };
  }

  // A pipeline: one flow (job-flow.ts), the pipeline's own job on the pipeline queue at its root
  // and each step a job of its tool's queue, chained so they run in order. Only the root is
  // listed by list_jobs; a step is found by its own id too.
  private async submitPipeline(name: string, plan: PipelinePlan, options: SubmitOptions, jobId: string): Promise<Submission> {
    const { caller } = options;
    await this.admit(caller);
    const stepIds = plan.steps.map((step) => newJobId(step.tool.queue));
    const staged = new Map<string, number>();
    try {
      const steps: FlowMember[] = [];
      const refConfig = await this.inputRefConfig(options);
      for (const [i, step] of plan.steps.entries()) {
        const params = { ...step.params };
        const inputs = await this.resolveInputs(step.tool, params, caller, stepIds[i]!, stepIds, staged, refConfig);
        steps.push({ queue: step.tool.queue, name: step.tool.name, jobId: stepIds[i]!, data: { ...this.jobData(step.tool.name, params, inputs, options), parent: { job_id: jobId, step: i } } });
      }
      const rootData: JobData = {
        ...this.jobData(name, plan.params, {}, options),
        ...notifyData(options),
        pipeline: { steps: plan.steps.map((step, i) => ({ tool: step.tool.name, job_id: stepIds[i]!, weight: step.weight })) },
      };
      await this.index(jobId, caller, rootData);
      const jobOptions = { ...jobDefaults(this.config), priority: bullPriority(options.priority) };
      await this.flows().add(chainFlow({ queue: PIPELINE_QUEUE, name, jobId, data: rootData }, steps, jobOptions));
    } catch (err) {
      await this.removeStaged(staged);
      throw err;
    }
    await this.countStaged(caller, staged);
    return { job_id: jobId, status: 'queued', tool: name, queue: PIPELINE_QUEUE, priority: options.priority };
  }

  // The input roots, narrowed to the client's own roots when it shared some.
  private async inputRefConfig(options: SubmitOptions): Promise<InputRefConfig> {
    if (options.clientRoots === undefined) return this.config;
    return { ...this.config, inputRoots: await intersectRoots(this.config.inputRoots, options.clientRoots), noRootsReason: NO_SHARED_ROOTS };
  }

  private async admit(caller: Caller): Promise<void> {
    if (caller.remote) await takeSubmitToken(this.redis, this.config.prefix, caller.owner, this.config.http.submitRatePerMinute);
    await this.usage.assertRoom(caller.owner);
  }

  private jobData(tool: string, params: Record<string, unknown>, inputs: JobData['inputs'], options: SubmitOptions): JobData {
    return { tool, params, inputs, priority: options.priority, owner: options.caller.owner, submitted_at: new Date().toISOString() };
  }

  // Index first: should the add fail, list_jobs drops the dangling id; the other order could
  // leave a queued job that list_jobs never shows.
  private async index(jobId: string, caller: Caller, data: JobData): Promise<void> {
    await indexJob(this.redis, this.keys, caller.owner, data.tool, jobId, Date.parse(data.submitted_at));
  }

  // Each input of a tool's parameters resolved for the caller; params are rewritten to say what
  // each input was. stepIds: the job of each step of the pipeline this job is a step of, for its
  // step:<n>/<file> inputs (already checked by pipeline-plan.ts). Bytes staged per job go in staged.
  private async resolveInputs(
    tool: AnyToolDefinition,
    params: Record<string, unknown>,
    caller: Caller,
    jobId: string,
    stepIds: readonly string[],
    staged: Map<string, number>,
    refConfig: InputRefConfig,
  ): Promise<JobData['inputs']> {
    // Local storage means every worker shares this machine's filesystem (its results land in this
    // data dir), so a path is read in place by the worker. Only S3 storage, whose workers may be
    // anywhere, needs a copy in the store; it is removed when the job ends.
    const stagePaths = this.store.kind === 's3';
    const inputs: JobData['inputs'] = {};
    const resolver = this.storedInputs(caller);
    for (const spec of tool.inputs) {
      const given = params[spec.param];
      if (given === undefined) continue; // optional and left out: the schema has said so
      const expect = inputExpectation(spec, params);
      const resolveOne = async (value: string, field: string): Promise<InputRef> => {
        const step = parseStepRef(value);
        if (step !== undefined && step !== 'malformed' && stepIds[step.step] !== undefined) return { kind: 'step', step: step.step, job_id: stepIds[step.step]!, name: step.file };
        let ref = await resolveInputRef(field, value, expect, refConfig, resolver);
        if (ref.kind === 'path' && stagePaths) {
          staged.set(jobId, (staged.get(jobId) ?? 0) + (await fs.stat(ref.path)).size);
          ref = { kind: 'stored', key: await this.store.stageInput(jobId, field.replace(/\W/g, '-'), ref.path), name: path.basename(ref.path) };
        }
        return ref;
      };
      // Keep the job small and readable: the input lives in `inputs`, the params say what it was.
      if (Array.isArray(given)) {
        const refs: InputRef[] = [];
        for (const [i, value] of (given as string[]).entries()) refs.push(await resolveOne(value, `${spec.param}.${i}`));
        inputs[spec.param] = refs;
        params[spec.param] = refs.map((ref, i) => describeInput(ref, (given as string[])[i]!));
      } else {
        const ref = await resolveOne(String(given), spec.param);
        inputs[spec.param] = ref;
        params[spec.param] = describeInput(ref, String(given));
      }
    }
    return inputs;
  }

  private async removeStaged(staged: ReadonlyMap<string, number>): Promise<void> {
    for (const jobId of staged.keys()) {
      await this.store.removeStagedInputs(jobId).catch((cleanupError: unknown) => this.log.debug({ err: cleanupError, jobId }, 'could not remove the inputs staged for a job that was not queued'));
    }
  }

  private async countStaged(caller: Caller, staged: ReadonlyMap<string, number>): Promise<void> {
    for (const [jobId, bytes] of staged) {
      if (bytes === 0) continue;
      await this.usage.record(caller.owner, usageSet.stagedInputs(jobId), bytes).catch((err: unknown) => this.log.warn({ err, jobId }, 'could not count the staged inputs against the owner\'s quota'));
    }
  }

  // Made on the first pipeline, on the server's Redis connection; closed with the runtime.
  private flows(): FlowProducer {
    if (!this.flowProducer) {
      const producer = new FlowProducer({ connection: this.redis, prefix: this.config.prefix });
      // Without a listener BullMQ prints connection errors to the console; they belong in the log.
      producer.on('error', (err) => this.log.warn({ err }, 'flow producer connection error'));
      this.flowProducer = producer;
    }
    return this.flowProducer;
  }

  // A job removed before any worker ran it ends here, so its notification is queued here
  // (the other ends are seen by the worker that records them: worker/start-worker.ts).
  private async announceEnd(jobId: string, data: JobData): Promise<void> {
    if (data.notify_url === undefined) return;
    this.notifyQueue ??= openNotifyQueue(this.config, this.redis, this.log);
    await announceJobEnd({ queue: this.notifyQueue, config: this.config, log: this.log }, jobId, data);
  }

  /** Closes what this service opened itself (the flow producer, the notify queue); the queues and Redis are the runtime's. */
  async close(): Promise<void> {
    await Promise.all([this.flowProducer?.close(), this.notifyQueue?.close()]);
  }

  /** Drops the flow producer's and notify queue's connections at once, for a close that Redis does not answer. */
  async disconnect(): Promise<void> {
    await Promise.all([this.flowProducer?.disconnect(), this.notifyQueue?.disconnect()]);
  }

  /** Whether createUpload works with this store (S3, or local storage behind `serve`). */
  get canUpload(): boolean {
    return this.store.canUpload;
  }

  /** A presigned upload link for the caller; the upload:// reference it returns works as any tool's input. */
  async createUpload(caller: Caller): Promise<UploadTicket> {
    await this.usage.assertRoom(caller.owner);
    return this.store.createUpload(caller.owner);
  }

  /** Whether this server answers /files/<key> itself: local storage signing links for `serve`. */
  get servesFiles(): boolean {
    return this.store.servedFiles !== undefined;
  }

  /** GET /files/<key>: the file a signed download link names, once the link checks out (forbidden otherwise). */
  async openFileDownload(key: string, expires: string | undefined, sig: string | undefined): Promise<FileDownload> {
    return openSignedDownload(this.store, { key, expires, sig });
  }

  /**
   * PUT /files/<key>: streams the body a signed upload link sends into storage, up to
   * BIO_QUEUE_UPLOAD_MAX_BYTES (payload_too_large past it, declared or counted).
   */
  async receiveFileUpload(key: string, expires: string | undefined, sig: string | undefined, body: Readable, declaredBytes?: number): Promise<{ size_bytes: number }> {
    // An upload key names its owner; a link signed before the owner went over quota is refused too.
    const parts = parseKey(key, '');
    const owner = parts?.area === 'uploads' ? parts.owner : undefined;
    return receiveSignedUpload(this.store, { key, expires, sig }, body, this.config.http.uploadMaxBytes, declaredBytes, {
      beforeReceiving: async () => {
        if (owner !== undefined) await this.usage.assertRoom(owner);
      },
      afterReceiving: async (size) => {
        // The upload is stored either way: a count that fails only leaves it uncounted.
        if (owner !== undefined) await this.usage.record(owner, usageSet.upload(key), size).catch((err: unknown) => this.log.warn({ err, key }, 'could not count an upload against its owner\'s quota'));
      },
    });
  }

  async status(jobId: string, caller: Caller): Promise<JobStatus> {
    return (await this.read(jobId, caller)).status;
  }

  // The job's status, and its result from the same reads: a wait that ends gives the result
  // (wait_for_job's resource links) without reading the job once more (issue 11: that read was a
  // state script and the job's hash on every completed wait).
  private async read(jobId: string, caller: Caller): Promise<{ status: JobStatus; result: () => Promise<JobResult> }> {
    const found = await this.find(jobId, caller);
    if (found.kind === 'tombstone') return { status: found.status, result: async () => tombstoneResult(found.status) };
    const { job, state } = found;
    if (job.data.pipeline) {
      const steps = await this.pipelineSteps(job);
      return { status: toPipelineStatus(job, state, steps, steps[0]?.queuePosition ?? null), result: () => toPipelineResult(job, state, steps, this.store) };
    }
    if (job.data.split) {
      const parts = await this.splitParts(job);
      return { status: toSplitStatus(job, state, parts, found.queuePosition), result: () => toSplitResult(job, state, parts, this.store) };
    }
    return { status: toJobStatus(job, state, found.queuePosition, Date.now(), await this.heldBack(job, state)), result: () => toJobResult(job, state, this.store) };
  }

  // Only a delayed job can be held back by its owner's cap of running jobs (worker/owner-cap.ts).
  private async heldBack(job: AnyJob, state: BullState | undefined): Promise<HeldBack | undefined> {
    if (state !== 'delayed') return undefined;
    return this.slots.heldBack(job.data.owner, job.id!, this.config.maxRunningPerOwner);
  }

  async result(jobId: string, caller: Caller): Promise<JobResult> {
    return (await this.read(jobId, caller)).result();
  }

  // Each part's job of a split search, as its queue has it now; none before the query is split.
  private async splitParts(root: AnyJob): Promise<PartSnapshot[]> {
    return Promise.all(
      (root.data.split?.parts ?? []).map(async (part) => {
        const found = await readJob(this.reads(queueOfJobId(part.job_id) ?? ''), part.job_id);
        return { job_id: part.job_id, letters: part.letters, job: found?.job, state: found?.state, published: found ? undefined : await this.isPublished(part.job_id) };
      }),
    );
  }

  // Each step's job of a pipeline, as its queue has it now (and the step's place in it).
  private async pipelineSteps(root: AnyJob): Promise<(StepSnapshot & { queuePosition: number | null })[]> {
    return Promise.all(
      (root.data.pipeline?.steps ?? []).map(async (step) => {
        const found = await readJob(this.reads(queueOfJobId(step.job_id) ?? ''), step.job_id);
        return {
          ...step,
          job: found?.job,
          state: found?.state,
          queuePosition: found?.queuePosition ?? null,
          published: found ? undefined : await this.isPublished(step.job_id),
          held: found ? await this.heldBack(found.job, found.state) : undefined,
        };
      }),
    );
  }

  // A child's job gone from its queue either completed and was removed by age (its result is
  // still published) or was removed unrun with its cancelled parent.
  private async isPublished(jobId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.published(jobId))) === 1;
  }

  /**
   * Returns as soon as the job ends or the timeout passes, calling onProgress whenever the
   * progress changes, so a caller can forward it as MCP progress notifications. `result` gives
   * the job's result as of the last status read, without reading the job again.
   */
  async wait(
    jobId: string,
    caller: Caller,
    timeoutSeconds: number,
    onProgress?: (status: JobStatus) => Promise<void> | void,
    signal?: AbortSignal,
    stderr?: StderrFollower,
  ): Promise<{ status: JobStatus; timed_out: boolean; result: () => Promise<JobResult> }> {
    const deadline = Date.now() + Math.min(timeoutSeconds, this.config.waitMaxSeconds) * 1000;
    const untilNextPoll = () => Math.min(POLL_MS, Math.max(0, deadline - Date.now()));
    let last = '';
    for (;;) {
      const { status, result } = await this.read(jobId, caller);
      const fingerprint = `${status.status}|${status.progress.percent}|${status.progress.message}`;
      if (fingerprint !== last) {
        last = fingerprint;
        await onProgress?.(status);
      }
      // Read after the status, which checked the owner; the worker writes a step's lines before
      // the job can end, so a terminal status is read with all of them.
      if (stderr) await this.followStderr(jobId, stderr, isTerminal(status.status));
      if (isTerminal(status.status)) return { status, timed_out: false, result };
      if (Date.now() >= deadline || signal?.aborted) return { status, timed_out: true, result };
      // An abort wakes the wait at once, so a subscription or stream that ends stops reading.
      let wake = await this.events.next(jobId, untilNextPoll(), signal);
      // With nobody to tell of progress, an event that only moves the job along (it started, it
      // reported progress) needs no status read, only the new stderr lines: the job is read again
      // at an event that may end it, or on the timer (each was a state script and the job's hash
      // for every waiter at every progress write; issue 11).
      while (!onProgress && !ENDING_WAKES.has(wake)) {
        if (stderr) await this.followStderr(jobId, stderr, false);
        wake = await this.events.next(jobId, untilNextPoll(), signal);
      }
    }
  }

  // The stderr lines past the follower's cursor; at the end, all of them (a read returns at most a stream's worth).
  private async followStderr(jobId: string, follower: StderrFollower, toTheEnd: boolean): Promise<void> {
    for (;;) {
      const { lines, cursor } = await readStderrLines(this.redis, this.keys, jobId, follower.cursor);
      follower.cursor = cursor;
      if (lines.length > 0) await follower.deliver(lines);
      if (!toTheEnd || lines.length < STDERR_LOG_MAX_LINES) return;
    }
  }

  /**
   * Calls onChange with every change of status or progress until the job ends or signal aborts:
   * the feed of GET /jobs/{id}/events. Unlike wait() it has no time cap.
   */
  async watch(jobId: string, caller: Caller, onChange: (status: JobStatus) => Promise<void> | void, signal: AbortSignal): Promise<void> {
    await this.status(jobId, caller); // not found → throws before anything is sent
    // wait() reports its first reading each time it is called: pass on only real changes.
    let last = '';
    const onNew = async (status: JobStatus) => {
      const fingerprint = JSON.stringify([status.status, status.progress, status.queue_position]);
      if (fingerprint === last) return;
      last = fingerprint;
      await onChange(status);
    };
    while (!signal.aborted) {
      const { status } = await this.wait(jobId, caller, this.config.waitMaxSeconds, onNew, signal);
      if (isTerminal(status.status)) return;
    }
  }

  /**
   * A queued job is removed from its queue; a running one is stopped by whichever worker runs
   * it (its whole process tree is killed). Works from any process that shares the Redis.
   */
  async cancel(jobId: string, caller: Caller): Promise<JobStatus> {
    const found = await this.find(jobId, caller);
    if (found.kind === 'tombstone') return found.status;
    if (found.job.data.pipeline) return this.cancelPipeline(jobId, found.job, caller);
    if (found.job.data.split) return this.cancelSplit(jobId, found.job, found.state, caller);
    const current = toJobStatus(found.job, found.state, null);
    if (isTerminal(current.status)) return current;
    // The flag first: a worker that takes the job from now on sees it before running anything.
    await this.redis.set(this.keys.cancelFlag(jobId), '1', 'PX', this.config.retentionMs);
    if (current.status === 'queued') {
      const status: JobStatus = {
        ...current,
        status: 'cancelled',
        progress: { percent: 0, message: 'cancelled before it started' },
        queue_position: null,
        finished_at: new Date().toISOString(),
        error: { code: 'cancelled', message: 'cancelled before it started' },
      };
      // The tombstone before the removal: a reader (a waiter, a subscription) woken by the removal
      // then finds the job cancelled, never unknown. A job still in its queue is read first.
      await writeTombstone(this.redis, this.keys.tombstone(jobId), this.keys.tombstones, { ...status, owner: found.job.data.owner }, this.config.retentionMs);
      const removed = await found.job.remove().then(
        () => true,
        (err: unknown) => {
          // Locked, most likely: a worker took it meanwhile, so cancel it as a running job.
          this.log.debug({ err, jobId }, 'cancel: the queued job could not be removed; stopping it as a running one');
          return false;
        },
      );
      if (removed) {
        await settleEndedJob({ store: this.store, usage: this.usage, log: this.log }, jobId, found.job.data);
        await this.announceEnd(jobId, found.job.data);
        return status;
      }
      await dropTombstone(this.redis, this.keys.tombstone(jobId), this.keys.tombstones, jobId);
    }
    await this.redis.publish(this.keys.cancelChannel, jobId);
    // Give the worker a moment to stop the tool, so the answer usually says "cancelled".
    const { status } = await this.wait(jobId, caller, 5);
    return status;
  }

  // Every step is flagged first, so whichever a worker takes from now on fails as cancelled before
  // running anything; a running step is stopped as any running job (its process groups killed),
  // and its failure fails the steps after it. With no step running, the whole flow is removed.
  private async cancelPipeline(jobId: string, root: AnyJob, caller: Caller): Promise<JobStatus> {
    // The root only gathers the steps' results at the end: a running step is what is stopped.
    return this.cancelWithChildren(jobId, root, await this.pipelineSteps(root), caller, { what: 'pipeline', rootRunning: false, stopRoot: false });
  }

  // A split search: the search and its parts are flagged (a part a worker takes from now on fails
  // as cancelled before running: its parent is flagged), whatever runs — the split or merge of the
  // search's own job, its parts — is stopped as any running job, and with nothing running the
  // whole is removed (children go with their parent).
  private async cancelSplit(jobId: string, root: AnyJob, rootState: BullState, caller: Caller): Promise<JobStatus> {
    return this.cancelWithChildren(jobId, root, await this.splitParts(root), caller, { what: 'split search', rootRunning: rootState === 'active', stopRoot: true });
  }

  // A job with children (a pipeline's steps, a split search's parts): all are flagged cancelled,
  // so a child a worker takes from now on fails before running. With nothing running, removing
  // the root removes its children with it and a tombstone answers for it; otherwise whatever runs
  // is stopped as any running job (stopRoot: the root's own work too).
  private async cancelWithChildren(
    jobId: string,
    root: AnyJob,
    children: readonly { job_id: string; job: AnyJob | undefined; state: BullState | undefined }[],
    caller: Caller,
    options: { what: string; rootRunning: boolean; stopRoot: boolean },
  ): Promise<JobStatus> {
    const current = await this.status(jobId, caller);
    if (isTerminal(current.status)) return current;
    const flag = this.redis.multi();
    for (const id of [jobId, ...children.map((c) => c.job_id)]) flag.set(this.keys.cancelFlag(id), '1', 'PX', this.config.retentionMs);
    await flag.exec();
    if (!options.rootRunning && !children.some((c) => c.state === 'active')) {
      const status: JobStatus = {
        ...current,
        status: 'cancelled',
        progress: { percent: current.progress.percent, message: 'cancelled before it ended' },
        queue_position: null,
        eta_seconds: null,
        finished_at: new Date().toISOString(),
        error: { code: 'cancelled', message: 'cancelled by request' },
        ...(current.steps ? { steps: current.steps.map((s) => (s.status === 'completed' ? s : { ...s, status: 'cancelled' as const })) } : {}),
      };
      // The tombstone first, as for a queued job: the root is never read as unknown in between.
      await writeTombstone(this.redis, this.keys.tombstone(jobId), this.keys.tombstones, { ...status, owner: root.data.owner }, this.config.retentionMs);
      // Refused if a worker took a child (or the root) meanwhile: then it is stopped below.
      const removed = await root.remove().then(
        () => true,
        (err: unknown) => {
          this.log.debug({ err, jobId }, `cancel: the ${options.what} could not be removed; stopping what runs`);
          return false;
        },
      );
      if (removed) {
        const ended = { store: this.store, usage: this.usage, log: this.log };
        await settleEndedJob(ended, jobId, root.data);
        for (const child of children) if (child.job) await settleEndedJob(ended, child.job_id, child.job.data);
        await this.announceEnd(jobId, root.data);
        return status;
      }
      await dropTombstone(this.redis, this.keys.tombstone(jobId), this.keys.tombstones, jobId);
    }
    const running = options.stopRoot ? [jobId, ...children.map((c) => c.job_id)] : children.map((c) => c.job_id);
    for (const id of running) await this.redis.publish(this.keys.cancelChannel, id);
    // Give the workers a moment to stop the tools, so the answer usually says "cancelled".
    const { status } = await this.wait(jobId, caller, 5);
    return status;
  }

  /** The caller's jobs (an admin's: everyone's), newest first. */
  async list(filter: ListFilter, caller: Caller): Promise<JobPage> {
    const [sources, candidates] = await Promise.all([
      indexSources(this.redis, this.keys, caller, filter.tool),
      filter.status === undefined ? undefined : statusCandidates(this.redis, this.queues, this.keys.tombstones, filter.status),
    ]);
    const load = async (jobId: string, source: string) => {
      try {
        return await this.status(jobId, caller);
      } catch (err) {
        if (err instanceof BioQueueError && err.code === 'not_found') {
          // Removed by retention: drop it from the index too.
          await this.redis.zrem(source, jobId);
          return undefined;
        }
        throw err;
      }
    };
    return listJobIds(this.redis, sources, filter, load, { candidates });
  }

  /** Named databases of every kind and the cached reference indexes, in the workers' databases folder. */
  async databases(): Promise<DatabaseList> {
    return listDatabaseCatalog(this.config.dbDir, databaseKinds());
  }

  async stats(): Promise<QueueStats[]> {
    const stats: QueueStats[] = [];
    for (const [name, queue] of this.queues) {
      const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed');
      stats.push({
        queue: name,
        counts: {
          queued: (c.waiting ?? 0) + (c.prioritized ?? 0),
          running: c.active ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
          delayed: c.delayed ?? 0,
        },
        workers: await queue.getWorkersCount(),
      });
    }
    return stats;
  }

  /** Every live worker process of the lab (its heartbeat), with the queues Redis sees it connected to. */
  async workers(): Promise<WorkerInfo[]> {
    return listWorkers(this.redis, this.config.prefix, await workerConnections(this.queues));
  }

  /** Asks a worker, wherever it runs, to drain and exit (admins only). */
  async shutdownWorker(id: string, caller: Caller): Promise<WorkerShutdown> {
    return shutdownWorker(this.redis, this.config.prefix, id, caller);
  }

  /** What /metrics shows, read now: jobs per queue and state, the live workers, and what workers recorded. */
  async metrics(): Promise<{ queues: QueueStats[]; workers: WorkerInfo[]; jobs: JobMetrics }> {
    const [queues, workers, jobs] = await Promise.all([this.stats(), listWorkers(this.redis, this.config.prefix, []), readJobMetrics(this.redis, jobMetricsKeys(this.config.prefix))]);
    return { queues, workers, jobs };
  }

  /** Redis, storage and the number of live workers, each checked for real. */
  async health(): Promise<HealthReport> {
    const report: HealthReport = { ok: true, redis: { ok: true }, storage: { ok: true, backend: this.store.kind }, workers: 0 };
    try {
      await this.redis.ping();
      // A worker process serves each of its queues with one BullMQ worker: count processes, not those.
      report.workers = new Set((await workerConnections(this.queues)).map((w) => w.name)).size;
    } catch (err) {
      report.redis = { ok: false, error: asMessage(err) };
    }
    try {
      await this.store.check();
    } catch (err) {
      report.storage = { ...report.storage, ok: false, error: asMessage(err) };
    }
    report.ok = report.redis.ok && report.storage.ok;
    return report;
  }

  /** Bytes of one output file of a completed job, for paged reading. */
  async readFile(jobId: string, name: string, offset: number, length: number, caller: Caller): Promise<{ data: Buffer; size: number; mediaType: string }> {
    const found = await this.find(jobId, caller);
    const file = found.kind === 'job' && found.state === 'completed' ? found.job.returnvalue?.files.find((f) => f.name === name) : undefined;
    if (!file) throw new BioQueueError('not_found', `job ${jobId} has no output file "${name}"`);
    const data = await this.store.read(file.key, offset, length);
    return { data, size: file.size_bytes, mediaType: file.media_type };
  }

  // A queue's job reads, the state and position by one script (read-job.ts).
  private reads(name: string): JobReads {
    return queueReads(this.queue(name), this.redis);
  }

  private queue(name: string) {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue "${name}" is open`);
    return queue;
  }

  // Resolves upload://, s3:// and job:// inputs for this caller: only its own uploads and jobs exist for it.
  private storedInputs(caller: Caller): StoredInputResolver {
    return createInputResolver({
      store: this.store,
      config: this.config,
      caller,
      // An S3 upload goes straight to the bucket: it is counted once a submission names it.
      noteUpload: (key, size) => this.usage.record(caller.owner, usageSet.upload(key), size),
      jobOutput: async (jobId) => {
        const found = await this.find(jobId, caller);
        if (found.kind === 'tombstone') return { status: found.status.status, files: [] };
        const status = toJobStatus(found.job, found.state, null).status;
        return { status, files: status === 'completed' ? (found.job.returnvalue?.files ?? []) : [] };
      },
    });
  }

  // Another owner's job answers exactly as an unknown one, so ids reveal nothing.
  private async find(
    jobId: string,
    caller: Caller,
  ): Promise<({ kind: 'job' } & JobSnapshot) | { kind: 'tombstone'; status: JobStatus }> {
    const queueName = queueOfJobId(jobId);
    // Made only when thrown: an Error's stack capture on every status call was ~1 % of the
    // server's CPU with 1,000 sessions polling (bench/http-load.ts, issue 11).
    const notFound = () => new BioQueueError('not_found', `no job "${jobId}"; list_jobs shows the jobs that exist`);
    if (!queueName) throw notFound();
    const found = await readJob(this.reads(queueName), jobId);
    if (found) {
      if (!canSee(caller, found.job.data.owner)) throw notFound();
      return { kind: 'job', ...found };
    }
    const tombstone = await readTombstone(this.redis, this.keys.tombstone(jobId));
    if (tombstone && canSee(caller, tombstone.owner)) return { kind: 'tombstone', status: tombstone.status };
    throw notFound();
  }
}

// What is left of a job removed with a tombstone (cancelled before it started): no files, no summary.
function tombstoneResult(s: JobStatus): JobResult {
  return { job_id: s.job_id, tool: s.tool, status: s.status, summary: null, files: [], command: null, steps: [], indexes: [], tool_version: null, exit_code: null, runtime_seconds: null, notes: [], error: s.error };
}

// Parses once at the edge; the first issue becomes a message that names the field.
function parseParams(tool: AnyToolDefinition, raw: unknown): Record<string, unknown> {
  const result = (tool.input as z.ZodType).safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : 'parameters';
    throw inputError(field, issue.message);
  }
  return { ...(result.data as Record<string, unknown>) };
}

// notify_url goes on the job the caller holds only: a step's or part's end is not announced.
function notifyData(options: SubmitOptions): Pick<JobData, 'notify_url'> {
  return options.notifyUrl === undefined ? {} : { notify_url: options.notifyUrl };
}

// What the worker must find in an input: the formats and residues the tool declares.
function inputExpectation(spec: InputSpec, params: Record<string, unknown>): InputRefExpectation {
  const residues = typeof spec.residues === 'function' ? spec.residues(params) : (spec.residues ?? 'any');
  return { formats: spec.formats, residues, ...(spec.orDatabase ? { databaseName: DATABASE_NAME } : {}) };
}

function describeInput(ref: InputRef, given: string): string {
  if (ref.kind === 'inline') return `inline text (${Buffer.byteLength(ref.text)} bytes)`;
  if (ref.kind === 'url') return ref.url;
  return given; // the path, upload:// or s3:// the caller gave
}

function asMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
