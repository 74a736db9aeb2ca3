// The only code that speaks BullMQ to submit or read jobs. Every adapter (MCP, HTTP, CLI)
// calls this; the rules of the public job model live here and in job-view.ts.
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { BioQueueError, inputError } from '../errors.js';
import { resolveInputRef } from '../inputs/input-ref.js';
import type { InputRef } from '../inputs/input-ref.js';
import { listDatabases, type DatabaseInfo } from '../databases/list-databases.js';
import type { ResultStore } from '../storage/result-store.js';
import type { AnyToolDefinition, QueueName } from '../../tools/define-tool.js';
import { findTool } from '../../tools/index.js';
import { newJobId, queueOfJobId } from './job-ids.js';
import { jobKeys, type JobKeys } from './job-keys.js';
import type { JobData, JobResult, JobStatus, JobStatusName, Submission } from './job-model.js';
import { bullPriority, type JobQueues } from './job-queues.js';
import { toJobResult, toJobStatus, type AnyJob, type BullState } from './job-view.js';
import { readTombstone, writeTombstone } from './tombstone.js';
import { timerOnly, type JobEvents } from './job-events.js';
import { listJobIds, type ListFilter, type JobPage } from './list-jobs.js';

export interface SubmitOptions {
  priority: number;
  owner: string;
}

export interface QueueStats {
  queue: string;
  counts: Record<'queued' | 'running' | 'completed' | 'failed' | 'delayed', number>;
  workers: number;
}

const TERMINAL: ReadonlySet<JobStatusName> = new Set(['completed', 'failed', 'cancelled']);
// Between event wake-ups wait() also re-reads the job on this timer (see job-events.ts).
const POLL_MS = 500;

export function isTerminal(status: JobStatusName): boolean {
  return TERMINAL.has(status);
}

export class JobService {
  private readonly keys: JobKeys;

  constructor(
    private readonly config: Config,
    private readonly queues: JobQueues,
    private readonly redis: Redis,
    private readonly store: ResultStore,
    private readonly events: JobEvents = timerOnly,
  ) {
    this.keys = jobKeys(config.prefix);
  }

  /** Checks the parameters and inputs, then queues the job; returns at once. */
  async submit(toolName: string, rawParams: unknown, options: SubmitOptions): Promise<Submission> {
    const tool = findTool(toolName);
    if (!tool) throw inputError('job_type', `unknown tool "${toolName}"`);
    const params = parseParams(tool, rawParams);
    const inputs: Record<string, InputRef> = {};
    for (const spec of tool.inputFiles) {
      const kind = spec.kindFromParams?.(params) ?? spec.kind;
      const ref = await resolveInputRef(spec.param, String(params[spec.param]), kind, this.config);
      inputs[spec.param] = ref;
      // Keep the job small and readable: the input lives in `inputs`, the params say what it was.
      params[spec.param] = describeInput(ref);
    }
    const jobId = newJobId(tool.queue);
    const submittedAt = Date.now();
    const data: JobData = {
      tool: tool.name,
      params,
      inputs,
      priority: options.priority,
      owner: options.owner,
      submitted_at: new Date(submittedAt).toISOString(),
    };
    // Index first: should the add fail, list_jobs drops the dangling id; the other order could
    // leave a queued job that list_jobs never shows.
    await this.redis.zadd(this.keys.index, submittedAt, jobId);
    await this.queue(tool.queue).add(tool.name, data, { jobId, priority: bullPriority(options.priority) });
    return { job_id: jobId, status: 'queued', tool: tool.name, queue: tool.queue, priority: options.priority };
  }

  async status(jobId: string): Promise<JobStatus> {
    const found = await this.find(jobId);
    if (found.kind === 'tombstone') return found.status;
    const position = await this.queuePosition(found.job, found.state);
    return toJobStatus(found.job, found.state, position);
  }

  async result(jobId: string): Promise<JobResult> {
    const found = await this.find(jobId);
    if (found.kind === 'tombstone') {
      const s = found.status;
      return { job_id: s.job_id, tool: s.tool, status: s.status, summary: null, files: [], command: null, tool_version: null, exit_code: null, runtime_seconds: null, error: s.error };
    }
    return toJobResult(found.job, found.state, this.store);
  }

  /**
   * Returns as soon as the job ends or the timeout passes, calling onProgress whenever the
   * progress changes, so a caller can forward it as MCP progress notifications.
   */
  async wait(
    jobId: string,
    timeoutSeconds: number,
    onProgress?: (status: JobStatus) => Promise<void> | void,
    signal?: AbortSignal,
  ): Promise<{ status: JobStatus; timed_out: boolean }> {
    const deadline = Date.now() + Math.min(timeoutSeconds, this.config.waitMaxSeconds) * 1000;
    let last = '';
    for (;;) {
      const status = await this.status(jobId);
      const fingerprint = `${status.status}|${status.progress.percent}|${status.progress.message}`;
      if (fingerprint !== last) {
        last = fingerprint;
        await onProgress?.(status);
      }
      if (isTerminal(status.status)) return { status, timed_out: false };
      if (Date.now() >= deadline || signal?.aborted) return { status, timed_out: true };
      await this.events.next(jobId, Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * A queued job is removed from its queue; a running one is stopped by whichever worker runs
   * it (its whole process tree is killed). Works from any process that shares the Redis.
   */
  async cancel(jobId: string): Promise<JobStatus> {
    const found = await this.find(jobId);
    if (found.kind === 'tombstone') return found.status;
    const current = toJobStatus(found.job, found.state, null);
    if (isTerminal(current.status)) return current;
    // The flag first: a worker that takes the job from now on sees it before running anything.
    await this.redis.set(this.keys.cancelFlag(jobId), '1', 'PX', this.config.retentionMs);
    if (current.status === 'queued') {
      const removed = await found.job.remove().then(
        () => true,
        () => false, // locked: a worker took it meanwhile, so cancel it as a running job
      );
      if (removed) {
        const cancelledAt = new Date().toISOString();
        const status: JobStatus = {
          ...current,
          status: 'cancelled',
          progress: { percent: 0, message: 'cancelled before it started' },
          queue_position: null,
          finished_at: cancelledAt,
          error: { code: 'cancelled', message: 'cancelled before it started' },
        };
        await writeTombstone(this.redis, this.keys.tombstone(jobId), status, this.config.retentionMs);
        return status;
      }
    }
    await this.redis.publish(this.keys.cancelChannel, jobId);
    // Give the worker a moment to stop the tool, so the answer usually says "cancelled".
    const { status } = await this.wait(jobId, 5);
    return status;
  }

  async list(filter: ListFilter): Promise<JobPage> {
    return listJobIds(this.redis, this.keys.index, filter, async (jobId) => {
      try {
        return await this.status(jobId);
      } catch (err) {
        if (err instanceof BioQueueError && err.code === 'not_found') {
          // Removed by retention: drop it from the index too.
          await this.redis.zrem(this.keys.index, jobId);
          return undefined;
        }
        throw err;
      }
    });
  }

  async databases(): Promise<DatabaseInfo[]> {
    return listDatabases(this.config.dbDir);
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

  /** Bytes of one output file of a completed job, for paged reading. */
  async readFile(jobId: string, name: string, offset: number, length: number): Promise<{ data: Buffer; size: number; mediaType: string }> {
    const found = await this.find(jobId);
    const file = found.kind === 'job' && found.state === 'completed' ? found.job.returnvalue?.files.find((f) => f.name === name) : undefined;
    if (!file) throw new BioQueueError('not_found', `job ${jobId} has no output file "${name}"`);
    const data = await this.store.read(file.key, offset, length);
    return { data, size: file.size_bytes, mediaType: file.media_type };
  }

  private queue(name: QueueName) {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue "${name}" is open`);
    return queue;
  }

  private async find(
    jobId: string,
  ): Promise<{ kind: 'job'; job: AnyJob; state: BullState } | { kind: 'tombstone'; status: JobStatus }> {
    const queueName = queueOfJobId(jobId);
    const notFound = new BioQueueError('not_found', `no job "${jobId}"; list_jobs shows the jobs that exist`);
    if (!queueName) throw notFound;
    const job = (await this.queue(queueName).getJob(jobId)) as AnyJob | undefined;
    if (job) return { kind: 'job', job, state: await job.getState() };
    const status = await readTombstone(this.redis, this.keys.tombstone(jobId));
    if (status) return { kind: 'tombstone', status };
    throw notFound;
  }

  // 1 means next. Every job of ours has a priority, so the order is the prioritized set's,
  // after anything in the plain wait list.
  private async queuePosition(job: AnyJob, state: BullState): Promise<number | null> {
    if (state !== 'prioritized' && state !== 'waiting') return null;
    const keys = this.queue(queueOfJobId(job.id!)!).keys;
    const waiting = await this.redis.llen(keys.wait!);
    if (state === 'waiting') {
      const index = await this.redis.lpos(keys.wait!, job.id!);
      return index === null ? null : waiting - index;
    }
    const rank = await this.redis.zrank(keys.prioritized!, job.id!);
    return rank === null ? null : waiting + rank + 1;
  }
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

function describeInput(ref: InputRef): string {
  if (ref.kind === 'path') return ref.path;
  if (ref.kind === 'url') return ref.url;
  return `inline FASTA (${Buffer.byteLength(ref.text)} bytes)`;
}
