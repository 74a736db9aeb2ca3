// `bio-mcp-queue` with no arguments: MCP over stdio for a desktop client. stdout carries only
// the protocol; logs go to stderr. Ends when the client closes stdin or on SIGINT/SIGTERM,
// within the drain time and a few seconds whatever Redis does (stop-on-signals.ts) — also while
// it is still starting, e.g. waiting for a Redis that is not there.
//
// A client launches this process and waits for its answer to `initialize` every time, so that
// answer comes first: this file loads only the MCP server and the catalog. The runtime (BullMQ,
// ioredis, Redis itself, the embedded worker and execa: most of a start) is imported and started
// once the messages already sent have been answered; calls that need jobs wait for it
// (deferred-job-service.ts). A start that fails still ends the command with its message and exit
// code, as before, only after the handshake (bench/RESULTS.md, issue 11).
import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { connectServer } from '../mcp/connect-server.js';
import { createMcpServer } from '../mcp/create-server.js';
import type { McpSession } from '../mcp/mcp-session.js';
import { LOCAL_CALLER } from '../jobs/caller.js';
import { deferredJobService } from '../jobs/deferred-job-service.js';
import type { JobService } from '../jobs/job-service.js';
import type { Runtime } from '../runtime.js';
import { resultStoreAbilities } from '../storage/store-abilities.js';
import { flushCompileCache } from './compile-cache.js';
import { stopOnSignals } from './stop-on-signals.js';

// A client that says nothing this long after the start still gets a server that is fully up
// (Redis, the embedded worker taking jobs) rather than one waiting for its first word.
const START_UNSPOKEN_AFTER_MS = 200;

export async function runStdio(config: Config, log: Logger): Promise<void> {
  let runtime: Runtime | undefined;
  let server: McpSession | undefined;
  const stop = stopOnSignals(log, { stopping: 'stdio server stopping', secondSignal: '' }, async () => {
    // Stopping either way: a transport that will not close cleanly is worth a debug line only.
    await server?.close().catch((err: unknown) => log.debug({ err }, 'stdio server: closing the MCP server failed'));
    await runtime?.close();
  }, config);
  // stdin is read from the start, so its end is seen even while Redis keeps the start waiting;
  // what the client sends meanwhile waits in the pass-through for the transport.
  const input = new PassThrough();
  const spoken = new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    setTimeout(resolve, START_UNSPOKEN_AFTER_MS).unref();
  });
  process.stdin.on('end', () => stop('stdin ended'));
  process.stdin.pipe(input);
  let jobsMade: (jobs: JobService) => void = () => undefined;
  const made = new Promise<JobService>((resolve) => (jobsMade = resolve));
  const starting = (async () => {
    await spoken;
    // setImmediate runs after the ticks and promises the first chunk set off, i.e. once the
    // transport has parsed it and the answers (initialize's among them) are written.
    await new Promise((resolve) => setImmediate(resolve));
    const { startRuntime } = await import('../runtime.js');
    return startRuntime(config, log, { embeddedWorker: config.embeddedWorker, onJobs: jobsMade });
  })();
  // Calls go ahead once the JobService exists, while the embedded worker is still starting (a job
  // submitted meanwhile waits in its queue); a start that fails before that fails them with its error.
  const jobs = deferredJobService(Promise.race([made, starting.then((r) => r.jobs)]), resultStoreAbilities(config));
  server = createMcpServer({ jobs, config, log, caller: LOCAL_CALLER, clientRoots: true });
  const transport = new StdioServerTransport(input, process.stdout);
  transport.onclose = () => stop('client closed the connection');
  await connectServer(server, transport, log);
  runtime = await starting;
  // Everything a session needs is loaded by now: keep its compiled code even if the client kills us.
  flushCompileCache();
  log.info({ redis: runtime.target.kind, worker: runtime.worker ? runtime.worker.queues : 'none' }, 'MCP server ready on stdio');
}
