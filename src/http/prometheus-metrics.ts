// GET /metrics in the Prometheus text format, with prom-client. Nothing is counted in this
// process: every number is read from Redis at scrape time (JobService.metrics()), where BullMQ
// keeps the jobs and the workers keep their heartbeats and what they recorded, so any replica of
// `serve` answers for the whole lab and a restart loses nothing. A registry is built per scrape,
// so two scrapes at once cannot mix their numbers.
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { JobMetrics, StoredHistogram } from '../jobs/job-metrics-store.js';
import type { QueueStats, WorkerInfo } from '../jobs/job-model.js';

export interface LabSnapshot {
  queues: QueueStats[];
  workers: WorkerInfo[];
  jobs: JobMetrics;
}

// prom-client's Histogram counts observations made in this process; ours were made by the
// workers. So a stored histogram is registered as a metric of its own: the registry asks any
// metric for get() (name, help, type, values) and prints what it gets, here the stored buckets
// (cumulative, +Inf last), sums and counts.
function registerStoredHistogram(registry: Registry, name: string, help: string, series: readonly StoredHistogram[]): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    collect: () => undefined,
    get: async () => ({
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      values: series.flatMap(({ labels, buckets, sum, count }) => [
        ...buckets.map((b) => ({ labels: { ...labels, le: b.le === Infinity ? '+Inf' : b.le }, value: b.count, metricName: `${name}_bucket` })),
        { labels, value: sum, metricName: `${name}_sum` },
        { labels, value: count, metricName: `${name}_count` },
      ]),
    }),
  };
  // The registry's typing lists only its own classes; what it calls of a metric is get() and name.
  registry.registerMetric(metric as unknown as Metric);
}

export async function renderMetrics(lab: LabSnapshot): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const registers = [registry];

  const jobs = new Gauge({ name: 'bioq_jobs', help: 'Jobs in each state now, per queue, as BullMQ holds them (ended jobs until retention removes them).', labelNames: ['queue', 'state'], registers });
  for (const { queue, counts } of lab.queues) for (const [state, n] of Object.entries(counts)) jobs.set({ queue, state }, n);

  const workers = new Gauge({ name: 'bioq_workers', help: 'Live worker processes (their heartbeat is fresh), by state: serving or draining.', labelNames: ['state'], registers });
  for (const state of ['serving', 'draining']) workers.set({ state }, lab.workers.filter((w) => w.state === state).length);
  const byQueue = new Gauge({ name: 'bioq_queue_workers', help: 'Live worker processes serving each queue.', labelNames: ['queue'], registers });
  for (const { queue } of lab.queues) byQueue.set({ queue }, lab.workers.filter((w) => w.queues.includes(queue)).length);
  const running = new Gauge({ name: 'bioq_worker_running_jobs', help: 'Jobs each live worker is running now.', labelNames: ['worker', 'host'], registers });
  for (const w of lab.workers) running.set({ worker: w.id, host: w.host }, w.running_jobs.length);

  registerStoredHistogram(registry, 'bioq_job_run_seconds', 'Run time of each ended job\'s last attempt, per queue, tool and how it ended (completed, failed, cancelled).', lab.jobs.run);
  registerStoredHistogram(registry, 'bioq_job_queue_wait_seconds', 'Time from submit to the first start, per queue.', lab.jobs.wait);

  const failures = new Counter({ name: 'bioq_job_failures_total', help: 'Jobs that failed or were cancelled, per queue, tool and error code.', labelNames: ['queue', 'tool', 'code'], registers });
  for (const { labels, value } of lab.jobs.failures) failures.inc(labels, value);
  const storedBytes = new Counter({ name: 'bioq_stored_bytes_total', help: 'Bytes of result files stored by completed jobs, per queue and tool.', labelNames: ['queue', 'tool'], registers });
  const storedFiles = new Counter({ name: 'bioq_stored_files_total', help: 'Result files stored by completed jobs, per queue and tool.', labelNames: ['queue', 'tool'], registers });
  for (const { labels: { what, ...labels }, value } of lab.jobs.stored) (what === 'bytes' ? storedBytes : storedFiles).inc(labels, value);

  return { contentType: registry.contentType, body: await registry.metrics() };
}
