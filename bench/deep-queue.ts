// A deep queue (issue 11): N queued jobs (default 1,000,000) and no worker. What each queued job
// costs Redis, what the server's memory is, and how fast get_job_status of the last job, a
// list_jobs page and queue_stats answer through the real stdio MCP server.
//
// The queue is filled as real submissions fill it: a sample of jobs through JobService.submit
// (startRuntime, embeddedWorker false), then, for speed, the rest written in bulk with exactly the
// keys a submission writes — found by reading what the sample wrote, not by guessing:
//   <prefix>:<queue>:<id>        BullMQ's job hash (name, data, opts, timestamp, delay, priority)
//   <prefix>:<queue>:prioritized the prioritized set, scored priority × 2^32 + <queue>:pc's counter
//   <prefix>:bioq:jobs:<owner>:<tool>  the owner's index of the tool (submission ms; job-index.ts)
//   <prefix>:<queue>:events      BullMQ's "added" and "waiting" events, capped at opts.maxLenEvents
// (no idempotency key, notify URL or staged input: a plain local submission has none of them).
// A check proves the bulk jobs indistinguishable: a real and a bulk job have the same Redis keys,
// the same hash fields (data differing only in submitted_at), the same size in Redis, and the
// same get_job_status answer but for id, time and position.
//
//   npm run build && node dist/bench/deep-queue.js [--jobs 1000000] [--sample 1000] [--calls 50] [--filtered]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { LOCAL_CALLER } from '../src/jobs/caller.js';
import { newJobId, queueOfJobId } from '../src/jobs/job-ids.js';
import { jobKeys } from '../src/jobs/job-keys.js';
import { queueIndexJob } from '../src/jobs/job-index.js';
import type { JobPage, JobStatus, QueueStats } from '../src/jobs/job-model.js';
import { createLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-info.js';
import { startRuntime } from '../src/runtime.js';
import { adoptionMarkers, sweepOnce } from '../src/jobs/retention-sweep.js';
import { Cleanup } from './support/cleanup.js';
import { check, progress } from './support/bench-checks.js';
import { startServerChild } from './support/server-child.js';
import { figures, formatTable } from './support/stats.js';
import { runningProcessCpuMs } from './support/proc-cpu.js';
import { startThrowawayRedis } from './support/throwaway-redis.js';

const MAIN = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
const FIXTURES = path.join(packageRoot(), 'fixtures');
const QUERY = path.join(FIXTURES, 'hbb_human.fa');
const BULK_BATCH = 5_000;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/\r\nused_memory:(\d+)\r\n/.exec(`\r\n${info}`)![1]);
}

function vm(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  return fs.readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(s)![1]) * 1024);
}

// Everything Redis holds about one job: each key that names it, and each sorted set it is in.
async function footprint(redis: Redis, prefix: string, queue: string, id: string): Promise<{ keys: string[]; zsets: string[]; hash: Record<string, string>; bytes: number }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 10_000);
    cursor = next;
    keys.push(...found.map((k) => k.replace(id, '<id>')));
  } while (cursor !== '0');
  const zsets: string[] = [];
  cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10_000, 'TYPE', 'zset');
    cursor = next;
    for (const key of found) if ((await redis.zscore(key, id)) !== null) zsets.push(key);
  } while (cursor !== '0');
  const hashKey = `${prefix}:${queue}:${id}`;
  return { keys: keys.sort(), zsets: zsets.sort(), hash: await redis.hgetall(hashKey), bytes: Number(await redis.memory('USAGE', hashKey)) };
}

// The bulk fill: `count` copies of the template job's hash under new ids, each in the
// prioritized set (its counter taken from <queue>:pc as BullMQ's addJobWithPriority takes it)
// and in both indexes, submitted one millisecond apart from `firstMs` on.
async function bulkFill(redis: Redis, prefix: string, queue: string, template: Record<string, string>, count: number, firstMs: number): Promise<string[]> {
  const keys = jobKeys(prefix);
  const data = JSON.parse(template.data!) as { owner: string; tool: string; submitted_at: string };
  // BullMQ keeps the job's own id in its opts too.
  const opts = JSON.parse(template.opts!) as { jobId: string };
  const priority = Number(template.priority);
  const events = `${prefix}:${queue}:events`;
  const maxEvents = (await redis.hget(`${prefix}:${queue}:meta`, 'opts.maxLenEvents')) ?? '10000';
  const lastCounter = await redis.incrby(`${prefix}:${queue}:pc`, count);
  let counter = lastCounter - count;
  const last: string[] = [];
  for (let done = 0; done < count; done += BULK_BATCH) {
    const pipe = redis.pipeline();
    for (let i = done; i < Math.min(count, done + BULK_BATCH); i++) {
      const id = newJobId(queue);
      const at = firstMs + i;
      const fields = { ...template, data: JSON.stringify({ ...data, submitted_at: new Date(at).toISOString() }), opts: JSON.stringify({ ...opts, jobId: id }), timestamp: String(at) };
      pipe.hset(`${prefix}:${queue}:${id}`, fields);
      counter += 1;
      pipe.zadd(`${prefix}:${queue}:prioritized`, priority * 0x100000000 + (counter % 0x100000000), id);
      queueIndexJob(pipe, keys, data.owner, data.tool, id, at);
      // BullMQ's two events of an add, the stream capped as its script caps it.
      pipe.xadd(events, '*', 'event', 'added', 'jobId', id, 'name', template.name!);
      pipe.xadd(events, 'MAXLEN', '~', maxEvents, '*', 'event', 'waiting', 'jobId', id);
      if (i === count - 1) last.push(id);
    }
    await pipe.exec();
    if ((done / BULK_BATCH) % 20 === 0) progress(`bulk: ${done + BULK_BATCH} of ${count}`);
  }
  return last;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, sample: { type: 'string' }, calls: { type: 'string' }, filtered: { type: 'boolean' } } });
  const total = Number(values.jobs ?? 1_000_000);
  const sample = Math.min(total, Number(values.sample ?? 1_000));
  const calls = Number(values.calls ?? 50);
  check(Number.isInteger(total) && total >= 2 && Number.isInteger(sample) && sample >= 1 && Number.isInteger(calls) && calls >= 1, '--jobs (≥ 2), --sample, --calls: whole numbers');
  const cleanup = new Cleanup();
  try {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-bench-deep-'));
    cleanup.add(`remove ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
    const redisServer = await startThrowawayRedis(dir);
    cleanup.add('stop redis-server', () => redisServer.stop(), redisServer.pid);
    const env = {
      BIO_QUEUE_REDIS_URL: redisServer.url,
      BIO_QUEUE_DATA_DIR: dir,
      BIO_QUEUE_INPUT_ROOTS: FIXTURES,
      BIO_QUEUE_LOG_LEVEL: 'warn',
      BIO_QUEUE_EMBEDDED_WORKER: 'false',
    };
    const config = loadConfig(env);
    const runtime = await startRuntime(config, createLogger('warn'), { embeddedWorker: false });
    cleanup.add('close the runtime', () => runtime.close());
    const { redis } = runtime;
    const prefix = config.prefix;

    // 1. The sample, through JobService.submit as any client's submission.
    const before = await usedMemory(redis);
    const params = { query: QUERY, database: 'lambda', task: 'blastn' };
    const sampleIds: string[] = [];
    for (let i = 0; i < sample; i++) sampleIds.push((await runtime.jobs.submit('blastn', params, { priority: 5, caller: LOCAL_CALLER })).job_id);
    const afterSample = await usedMemory(redis);
    const queue = queueOfJobId(sampleIds[0]!)!;
    progress(`${sample} real submissions: ${((afterSample - before) / sample).toFixed(0)} bytes of Redis each`);

    // 2. The rest in bulk, cloned from the last real job, submitted after it.
    const realId = sampleIds[sample - 1]!;
    const real = await footprint(redis, prefix, queue, realId);
    if (process.env.DEEP_QUEUE_SHOW_HASH) progress(JSON.stringify(real.hash));
    const bulkCount = total - sample;
    const [lastId] = bulkCount > 0 ? await bulkFill(redis, prefix, queue, real.hash, bulkCount, Number(real.hash.timestamp) + 1) : [realId];
    const afterBulk = await usedMemory(redis);
    const eventsBytes = Number(await redis.memory('USAGE', `${prefix}:${queue}:events`));
    // Where the bytes are: each sorted set a job is in, per job (MEMORY USAGE with every element counted).
    const zsetBytes: string[] = [];
    for (const key of real.zsets) zsetBytes.push(`${key} ${(Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) / total).toFixed(0)}`);

    // 3. The bulk jobs are indistinguishable from real ones.
    const bulk = await footprint(redis, prefix, queue, lastId!);
    check(JSON.stringify(real.keys) === JSON.stringify(bulk.keys), `keys differ: real ${real.keys.join(', ')} / bulk ${bulk.keys.join(', ')}`);
    check(JSON.stringify(real.zsets) === JSON.stringify(bulk.zsets), `sorted sets differ: real ${real.zsets.join(', ')} / bulk ${bulk.zsets.join(', ')}`);
    check(JSON.stringify(Object.keys(real.hash).sort()) === JSON.stringify(Object.keys(bulk.hash).sort()), 'hash fields differ');
    for (const field of Object.keys(real.hash)) {
      if (field === 'data' || field === 'timestamp' || field === 'opts') continue;
      check(real.hash[field] === bulk.hash[field], `hash field ${field} differs: ${real.hash[field]} / ${bulk.hash[field]}`);
    }
    const strip = (d: string) => JSON.stringify({ ...(JSON.parse(d) as object), submitted_at: '' });
    check(strip(real.hash.data!) === strip(bulk.hash.data!), 'job data differs beyond submitted_at');
    const optsOf = (h: Record<string, string>) => JSON.parse(h.opts!) as { jobId: string };
    check(optsOf(real.hash).jobId === realId && optsOf(bulk.hash).jobId === lastId, 'opts.jobId is not the job\'s own id');
    check(JSON.stringify({ ...optsOf(real.hash), jobId: '' }) === JSON.stringify({ ...optsOf(bulk.hash), jobId: '' }), 'job opts differ beyond jobId');
    // The same encoding; MEMORY USAGE itself may differ by the allocator's size class of a
    // listpack grown field by field (1180 and 960 bytes seen for equal contents), so it is shown, not compared.
    check((await redis.object('ENCODING', `${prefix}:${queue}:${realId}`)) === (await redis.object('ENCODING', `${prefix}:${queue}:${lastId}`)), 'hash encodings differ');
    const realStatus = await runtime.jobs.status(realId, LOCAL_CALLER);
    const bulkStatus = await runtime.jobs.status(lastId!, LOCAL_CALLER);
    const norm = (s: JobStatus) => JSON.stringify({ ...s, job_id: '', submitted_at: '', queue_position: typeof s.queue_position, progress: { ...s.progress, message: s.progress.message.replace(/\d+/, 'N') } });
    check(norm(realStatus) === norm(bulkStatus), `status answers differ:\n  ${norm(realStatus)}\n  ${norm(bulkStatus)}`);
    check(bulkStatus.queue_position === total, `the last job's position is ${bulkStatus.queue_position}, not ${total}`);
    // The retention sweep every server runs 5 s after its start and then hourly, timed here on
    // this queue: twice, as the first also adopts, by one SCAN of the keyspace, the idempotency
    // records and tombstones that versions before their registries left (retention-sweep.ts).
    // The runtime's own first sweep (5 s after its start) has adopted them already: its markers
    // are removed so the first timed sweep does the one-off SCAN a first start after upgrading does.
    await redis.del(...Object.values(adoptionMarkers(prefix)));
    const sweepMs: number[] = [];
    for (let i = 0; i < 2; i++) {
      const sweepStart = performance.now();
      const swept = await sweepOnce(config, runtime.queues, runtime.store, redis);
      sweepMs.push(performance.now() - sweepStart);
      check(swept.jobs === 0, 'the sweep removed queued jobs');
    }
    await runtime.close();

    // 4. The real stdio MCP server against that Redis, no worker.
    const server = await startServerChild({ label: 'deep', mainJs: MAIN, env });
    cleanup.add('stop the server', () => server.close().then(() => undefined), server.pid ?? undefined);
    const rssStart = await vm(server.pid!, 'VmRSS');
    // The first call of each kind loads what it needs (lazy imports): timed apart, not in the samples.
    const firstCalls: string[] = [];
    for (const [tool, args] of [['get_job_status', { job_id: lastId }], ['list_jobs', { limit: 20 }], ['queue_stats', {}]] as const) {
      const t = performance.now();
      await server.call(tool, args);
      firstCalls.push(`${tool} ${(performance.now() - t).toFixed(0)} ms`);
    }
    // Each kind's server CPU ms per call too (from /proc, so less sensitive to the shared machine's load).
    const cpuPerCall: string[] = [];
    const timed = async <T>(n: number, call: () => Promise<T>, verify: (answer: T) => void, label?: string): Promise<number[]> => {
      const ms: number[] = [];
      const cpuBefore = runningProcessCpuMs(server.pid!);
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const answer = await call();
        ms.push(performance.now() - t);
        verify(answer);
      }
      if (label) cpuPerCall.push(`${label} ${((runningProcessCpuMs(server.pid!) - cpuBefore) / n).toFixed(2)} ms`);
      return ms;
    };
    const statusMs = await timed(calls, () => server.call<JobStatus>('get_job_status', { job_id: lastId }), (s) => check(s.status === 'queued' && s.queue_position === total, `get_job_status: ${s.status} at ${s.queue_position}`), 'get_job_status');
    const firstPageMs = await timed(calls, () => server.call<JobPage>('list_jobs', { limit: 20 }), (p) => check(p.jobs.length === 20 && p.jobs[0]!.job_id === lastId && p.next_cursor !== null, 'list_jobs: not the newest 20 with a next page'), 'list_jobs 20');
    // A page deep in the list: the cursor of the page after the first 10.
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) cursor = (await server.call<JobPage>('list_jobs', { limit: 100, ...(cursor ? { cursor } : {}) })).next_cursor;
    const laterPageMs = await timed(calls, () => server.call<JobPage>('list_jobs', { limit: 100, cursor }), (p) => check(p.jobs.length === 100, 'list_jobs page 11: not 100 jobs'), 'list_jobs 100 page 11');
    const statsMs = await timed(calls, () => server.call<{ queues: QueueStats[] }>('queue_stats', {}), (s) => {
      const q = s.queues.find((x) => x.queue === queue);
      check(q?.counts.queued === total, `queue_stats: ${q?.counts.queued} queued, not ${total}`);
    });
    // --filtered: list_jobs asking for what no job is (a status, a tool, both), each timed once:
    // before the per-tool indexes and status candidates these read every job of the index.
    const filteredMs: string[] = [];
    if (values.filtered) {
      for (const filter of [{ status: 'completed' }, { status: 'cancelled' }, { tool: 'blastp' }, { tool: 'blastn', status: 'failed' }]) {
        const t = performance.now();
        const page = await server.call<JobPage>('list_jobs', { ...filter, limit: 20 });
        filteredMs.push(`${JSON.stringify(filter)} ${(performance.now() - t).toFixed(1)} ms`);
        check(page.jobs.length === 0 && page.next_cursor === null, `list_jobs ${JSON.stringify(filter)}: found jobs`);
      }
      // And one most jobs match: read in index order, a full page at once.
      const t = performance.now();
      const page = await server.call<JobPage>('list_jobs', { status: 'queued', tool: 'blastn', limit: 20 });
      filteredMs.push(`{"status":"queued","tool":"blastn"} ${(performance.now() - t).toFixed(1)} ms`);
      check(page.jobs.length === 20 && page.jobs[0]!.job_id === lastId, 'list_jobs queued blastn: not the newest 20');
    }
    const rss = await vm(server.pid!, 'VmRSS');
    const hwm = await vm(server.pid!, 'VmHWM');
    await server.close();

    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    process.stdout.write(
      [
        `${total.toLocaleString('en')} queued blastn jobs (${sample} through JobService.submit, ${bulkCount.toLocaleString('en')} written in bulk with the same keys, checked alike), no worker; ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
        '',
        `Redis used_memory per queued job: ${((afterBulk - before) / total).toFixed(0)} bytes over all ${total.toLocaleString('en')} (each bulk job on top of the sample: ${bulkCount > 0 ? ((afterBulk - afterSample) / bulkCount).toFixed(0) : '-'} bytes; real submissions alone: ${((afterSample - before) / sample).toFixed(0)} bytes, with the queue's one-off keys; the job hash itself ${real.bytes} bytes real, ${bulk.bytes} bulk, by MEMORY USAGE); Redis used_memory ${mb(afterBulk)} MiB in all`,
        `a job's keys: ${real.keys.join(', ')}; in the sorted sets ${real.zsets.join(', ')}; BullMQ's events stream (capped) ${mb(eventsBytes)} MiB`,
        `bytes per job in each sorted set: ${zsetBytes.join(', ')}`,
        `retention sweeps over this Redis: ${(sweepMs[0]! / 1000).toFixed(2)} s the first (one-off SCAN adopting older versions' keys), ${(sweepMs[1]! / 1000).toFixed(2)} s after; stdio server spawn → initialize answered ${server.startupMs.toFixed(0)} ms`,
        ...(filteredMs.length === 0 ? [] : [`list_jobs filtered, each once: ${filteredMs.join(', ')}`]),
        `server CPU per call: ${cpuPerCall.join(', ')}`,
        `stdio server RSS: ${mb(rssStart)} MiB after initialize, ${mb(rss)} MiB after the calls (peak ${mb(hwm)} MiB); first calls: ${firstCalls.join(', ')}`,
        '',
        formatTable([
          { label: `get_job_status of the last job (position ${total})`, figures: figures(statusMs) },
          { label: 'list_jobs, first page of 20', figures: figures(firstPageMs) },
          { label: 'list_jobs, page 11 of 100 (cursor)', figures: figures(laterPageMs) },
          { label: 'queue_stats', figures: figures(statsMs) },
        ]),
        '',
      ].join('\n'),
    );
  } finally {
    await cleanup.run();
  }
}

await main();
process.exit(process.exitCode ?? 0);
