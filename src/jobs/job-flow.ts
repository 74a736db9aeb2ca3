// Work of several jobs as one, on BullMQ's own flows (parent and child jobs), never a scheduler
// of ours: a parent runs only once its children have completed, and a child that fails for good
// fails its parent (failParentOnFailure), which fails its own parent in turn. Two shapes:
// - chain: steps that run one after another. BullMQ runs siblings at once, so order comes from
//   nesting: each step is the child of the step after it, and the first step the deepest. The
//   root (the job whose id the caller holds) is the parent of the last step. A DAG of steps would
//   run here in one topological order, one step at a time.
// - fan-out: parts that run at once, all children of the root, which combines their results.
// Every job is a normal job of its own queue, with the retry and retention rules of any job, so
// a worker that dies in one step reruns that step alone.
import type { FlowJob, JobsOptions } from 'bullmq';
import type { JobData } from './job-model.js';

/** One job of a flow: its queue, its BullMQ name (the tool), its id and data. */
export interface FlowMember {
  queue: string;
  name: string;
  jobId: string;
  data: JobData;
}

/** Options every job of the flow gets: priority, retries, retention. */
export type FlowJobOptions = Pick<JobsOptions, 'priority' | 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>;

function node(member: FlowMember, options: FlowJobOptions, child: boolean, children?: FlowJob[]): FlowJob {
  return {
    queueName: member.queue,
    name: member.name,
    data: member.data,
    opts: { ...options, jobId: member.jobId, ...(child ? { failParentOnFailure: true } : {}) },
    ...(children && children.length > 0 ? { children } : {}),
  };
}

/** steps[0] runs first, then steps[1], …; root runs last, once every step has completed. */
export function chainFlow(root: FlowMember, steps: readonly FlowMember[], options: FlowJobOptions): FlowJob {
  let below: FlowJob | undefined;
  for (const step of steps) below = node(step, options, true, below ? [below] : undefined);
  return node(root, options, false, below ? [below] : undefined);
}

/** Every part runs at once, on any free worker of its queue; root runs once all have completed. */
export function fanOutFlow(root: FlowMember, parts: readonly FlowMember[], options: FlowJobOptions): FlowJob {
  return node(root, options, false, parts.map((part) => node(part, options, true)));
}
