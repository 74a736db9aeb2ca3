// The lab's job metrics, kept in Redis so one scrape of any `serve` replica sees every worker:
// workers add to a few hashes when a job starts or ends (worker/job-metrics.ts), the server reads
// them whole at scrape time (src/http/prometheus-metrics.ts). Counters only ever grow, as
// Prometheus expects; histograms keep one count per bucket (not cumulative, so a job costs one
// HINCRBY per histogram) with the bucket's bound in the field name, so a reader needs no table
// and a changed table cannot misread old counts.
import type { Redis } from 'ioredis';
import { LuaScript } from '../redis/lua-script.js';

/** Run time of a job's last attempt, in seconds: a seqkit stats takes a second, a BLAST against nt a day. */
export const RUN_SECONDS_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600];
/** From submit to the first start, in seconds. */
export const WAIT_SECONDS_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];

export interface JobMetricsKeys {
  /** Run-time histogram, by queue, tool and how the job ended. */
  run: string;
  /** Queue-wait histogram, by queue. */
  wait: string;
  /** Failed jobs, by queue, tool and error code. */
  failures: string;
  /** Result files stored, and their bytes, by queue and tool. */
  stored: string;
}

export function jobMetricsKeys(prefix: string): JobMetricsKeys {
  return {
    run: `${prefix}:bioq:metrics:run`,
    wait: `${prefix}:bioq:metrics:wait`,
    failures: `${prefix}:bioq:metrics:failures`,
    stored: `${prefix}:bioq:metrics:stored`,
  };
}

// Label values are queue and tool names and error codes: no "|" or "=" in any of them.
const SEP = '|';
const labelsField = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(SEP);

// KEYS: the hashes. ARGV: groups of four (key's index in KEYS, field, "i" or "f", amount).
const ADD_ALL = new LuaScript(`
for i = 1, #ARGV, 4 do
  local key = KEYS[tonumber(ARGV[i])]
  if ARGV[i + 2] == 'f' then redis.call('HINCRBYFLOAT', key, ARGV[i + 1], ARGV[i + 3])
  else redis.call('HINCRBY', key, ARGV[i + 1], ARGV[i + 3]) end
end
return 1`);

/**
 * Additions to the metrics hashes, sent as one script: applied all at once, as a MULTI of
 * HINCRBYs was, but one command from here instead of a MULTI, EXEC and one per field (a worker
 * sends two of these a job; issue 11).
 */
export class MetricAdditions {
  private readonly keys: string[] = [];
  private readonly args: string[] = [];

  add(key: string, field: string, by: number, float = false): void {
    let index = this.keys.indexOf(key);
    if (index < 0) index = this.keys.push(key) - 1;
    this.args.push(String(index + 1), field, float ? 'f' : 'i', String(by));
  }

  async send(redis: Redis): Promise<void> {
    if (this.args.length > 0) await ADD_ALL.run(redis, this.keys, this.args);
  }
}

/** Adds one observation to a stored histogram: its bucket, its sum and its count. */
export function observe(additions: MetricAdditions, key: string, bounds: readonly number[], labels: Record<string, string>, value: number): void {
  const base = labelsField(labels);
  const le = bounds.find((bound) => value <= bound);
  additions.add(key, `${base}${SEP}le=${le === undefined ? '+Inf' : String(le)}`, 1);
  additions.add(key, `${base}${SEP}sum`, value, true);
  additions.add(key, `${base}${SEP}count`, 1);
}

/** Adds to a stored counter. */
export function increment(additions: MetricAdditions, key: string, labels: Record<string, string>, by = 1): void {
  additions.add(key, labelsField(labels), by);
}

export interface StoredHistogram {
  labels: Record<string, string>;
  /** Cumulative counts, by upper bound, ending with +Inf (= count). */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

export interface StoredCounter {
  labels: Record<string, string>;
  value: number;
}

export interface JobMetrics {
  run: StoredHistogram[];
  wait: StoredHistogram[];
  failures: StoredCounter[];
  /** Counters named "files" and "bytes", by queue and tool. */
  stored: StoredCounter[];
}

export async function readJobMetrics(redis: Redis, keys: JobMetricsKeys): Promise<JobMetrics> {
  const [run, wait, failures, stored] = await Promise.all([keys.run, keys.wait, keys.failures, keys.stored].map((key) => redis.hgetall(key)));
  return { run: histograms(run!, RUN_SECONDS_BUCKETS), wait: histograms(wait!, WAIT_SECONDS_BUCKETS), failures: counters(failures!), stored: counters(stored!) };
}

function parseLabels(parts: string[]): Record<string, string> {
  return Object.fromEntries(parts.map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
}

function counters(hash: Record<string, string>): StoredCounter[] {
  return Object.entries(hash).map(([field, value]) => ({ labels: parseLabels(field.split(SEP)), value: Number(value) }));
}

// Fields "<labels>|le=<bound>", "<labels>|sum", "<labels>|count" become one series per label set,
// with every bound of today's table (a bucket nothing fell in is still there, at its count).
function histograms(hash: Record<string, string>, bounds: readonly number[]): StoredHistogram[] {
  const series = new Map<string, { labels: Record<string, string>; perBucket: Map<number, number>; sum: number; count: number }>();
  for (const [field, value] of Object.entries(hash)) {
    const parts = field.split(SEP);
    const last = parts.pop()!;
    const base = parts.join(SEP);
    let entry = series.get(base);
    if (!entry) series.set(base, (entry = { labels: parseLabels(parts), perBucket: new Map(bounds.map((b) => [b, 0])), sum: 0, count: 0 }));
    if (last === 'sum') entry.sum = Number(value);
    else if (last === 'count') entry.count = Number(value);
    else entry.perBucket.set(last === 'le=+Inf' ? Infinity : Number(last.slice('le='.length)), Number(value));
  }
  return [...series.values()].map(({ labels, perBucket, sum, count }) => {
    let running = 0;
    const buckets = [...perBucket.entries()]
      .filter(([le]) => le !== Infinity)
      .sort(([a], [b]) => a - b)
      .map(([le, n]) => ({ le, count: (running += n) }));
    return { labels, buckets: [...buckets, { le: Infinity, count }], sum, count };
  });
}
