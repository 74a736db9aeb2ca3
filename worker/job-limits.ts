// The per-job resource limits as a job meets them: which figure applies (the operator's
// variable, or a tool's own smaller output limit), how each is named in a message, and the
// message a job fails with when one is passed. A message names the limit as the operator set
// it (variable=value) and the figure observed, so they can tell a runaway from a limit set low.
import type { ResourceLimitsConfig } from '../src/config.js';
import type { AnyToolDefinition } from '../tools/define-tool.js';

export type LimitKind = 'memory' | 'output' | 'work_dir';

export interface Limit {
  bytes: number;
  /** How a message names it: "BIO_QUEUE_OUTPUT_MAX_BYTES=1048576 (1 MiB)". */
  name: string;
}

export interface JobLimits {
  memory: Limit | undefined;
  output: Limit;
  workDir: Limit;
}

/** A limit a run went past. */
export interface LimitBreach {
  kind: LimitKind;
  limit: Limit;
  /** The figure seen (bytes); undefined when the kernel stopped the tool before anyone measured. */
  observed: number | undefined;
  /** The pipeline position of the process to blame (the one using the most memory). */
  culprit?: number;
  /** The tool was stopped for it; false when only the check after it ended found it. */
  stopped: boolean;
}

export function jobLimits(config: ResourceLimitsConfig, tool: Pick<AnyToolDefinition, 'name' | 'limits'>): JobLimits {
  const ownOutput = tool.limits.maxOutputBytes;
  return {
    memory: config.memoryBytes === undefined ? undefined : named('BIO_QUEUE_TOOL_MEMORY_MAX_BYTES', config.memoryBytes),
    // A tool's own limit is a property of what it writes (a text report has no business being
    // 100 GiB); the operator's is the disk's. The smaller one is the one a job meets.
    output:
      ownOutput < config.outputBytes
        ? { bytes: ownOutput, name: `${tool.name}'s own output limit of ${formatBytes(ownOutput)}` }
        : named('BIO_QUEUE_OUTPUT_MAX_BYTES', config.outputBytes),
    workDir: named('BIO_QUEUE_WORK_DIR_MAX_BYTES', config.workDirBytes),
  };
}

function named(variable: string, bytes: number): Limit {
  return { bytes, name: `${variable}=${bytes} (${formatBytes(bytes)})` };
}

/** The one line a job fails with; `binary` is the process blamed. */
export function breachMessage(breach: LimitBreach, binary: string): string {
  const seen = breach.observed === undefined ? undefined : formatBytes(breach.observed);
  const end = breach.stopped ? ' and was stopped' : '';
  switch (breach.kind) {
    case 'memory':
      return `memory limit ${breach.limit.name} exceeded: ${binary} ${seen ? `used ${seen}` : 'was killed by the kernel at the limit'}${end}`;
    case 'output':
      return `output limit ${breach.limit.name} exceeded: ${binary} wrote ${seen ?? 'more than that'} of outputs${end}`;
    case 'work_dir':
      return `work dir limit ${breach.limit.name} exceeded: the job's work dir grew to ${seen ?? 'more than that'} while ${binary} ran${breach.stopped ? ', and it was stopped' : ''}`;
  }
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB": figures people read at a glance; the exact bytes are in the limit's name. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${UNITS[unit]}`;
}
