// `serve --processes N` (N > 1): one Node process answers HTTP on one core, and on a busy server
// that core is the limit (bench/RESULTS.md, issue 11). This primary listens, reads the head of
// each new connection's first request, and hands the connection (the socket and the bytes read)
// to one of N serving processes (serving-process.ts), each a whole `serve` but for listening.
//
// Connections, not requests, are dealt out: an MCP session's connections all go to the process
// that holds it (it names the session in `Mcp-Session-Id`, or `sessionId` for legacy SSE), so
// its GET stream, subscriptions and legacy messages stay together, as the serving processes tell
// the primary where each session lives (session-homes.ts). Anything else goes round-robin.
// Sessions are shared through Redis anyway (mcp-sessions.ts), so a connection that carries
// several sessions' requests (a proxy pooling them) is still answered wherever it lands.
//
// A serving process that dies is started again (its sessions move on their next request, as on
// a replica's restart). The serving processes sit in process groups of their own, so a terminal's
// Ctrl-C reaches only this primary, which stops them once, in order; they stop by themselves if
// this primary is gone (the IPC channel closes).
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { loadApiKeys, requireSignIn } from '../http/api-keys.js';
import { ConnectionHandover, readFirstHead, type ReadConnection } from '../http/connection-handover.js';
import { sessionOfHead } from '../http/request-head.js';
import { isServingProcessReport } from '../http/serve-process-messages.js';
import { SessionHomes } from '../http/session-homes.js';
import { urlHost } from '../http/listen-url.js';
import { SERVING_PROCESS_ENV, type ServingProcessIdentity } from './serving-process-identity.js';
import { stopOnSignals } from './stop-on-signals.js';

/** A connection that has sent no whole request head by then goes on as it is: the serving process's timeouts take over. */
const HEAD_WAIT_MS = 5_000;
/** Restarts of a process that keeps dying wait longer each time, up to this. */
const MAX_RESTART_DELAY_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 500;
/** Deaths this far apart count as new: the next restart is quick again. */
const CRASH_MEMORY_MS = 60_000;

interface ServingProcess {
  index: number;
  child: ChildProcess | undefined;
  handover: ConnectionHandover | undefined;
  /** Takes connections (its app is up; its runtime may still be starting). */
  accepting: boolean;
  ready: boolean;
  crashes: number[];
}

export async function runServeProcesses(config: Config, log: Logger, options: { host: string; port: number; processes: number }): Promise<{ publicUrl: string }> {
  // What every serving process would refuse, refused once, before any starts.
  requireSignIn(config, (await loadApiKeys(config)).ring);

  const homes = new SessionHomes();
  const serving: ServingProcess[] = Array.from({ length: options.processes }, (_, index) => ({ index, child: undefined, handover: undefined, accepting: false, ready: false, crashes: [] }));
  const waiting: ReadConnection[] = [];
  let nextInTurn = 0;
  let stopping = false;

  const listener = net.createServer({ pauseOnConnect: true }, (socket) => readFirstHead(socket, HEAD_WAIT_MS, route));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const url = `http://${urlHost(options.host)}:${(listener.address() as net.AddressInfo).port}`;

  // The session's home if it has one, else the next ready process in turn (one still starting
  // would answer 503), else the next that takes connections at all (all are starting: its 503
  // says so at once), else the connection waits for one.
  function route(connection: ReadConnection): void {
    if (stopping) return void connection.socket.destroy();
    const session = sessionOfHead(connection.head);
    const home = session === undefined ? undefined : homes.of(session);
    const target = (home !== undefined && serving[home]!.ready ? serving[home] : undefined) ?? inTurn((s) => s.ready) ?? inTurn((s) => s.accepting);
    if (target?.handover) target.handover.hand(connection);
    else waiting.push(connection);
  }

  function inTurn(eligible: (s: ServingProcess) => boolean): ServingProcess | undefined {
    for (let i = 0; i < serving.length; i += 1) {
      const candidate = serving[(nextInTurn + i) % serving.length]!;
      if (candidate.accepting && eligible(candidate)) {
        nextInTurn = (candidate.index + 1) % serving.length;
        return candidate;
      }
    }
    return undefined;
  }

  let started: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const allReady = new Promise<void>((resolve, reject) => (started = { resolve, reject }));
  /** What the first serving process's ready report says, for the primary's ready line. */
  let readyDetails: Record<string, unknown> = {};
  let startedUp = false;

  function start(slot: ServingProcess): void {
    const identity: ServingProcessIdentity = { index: slot.index, url, embeddedWorker: slot.index === 0 && config.embeddedWorker };
    const child = fork(process.argv[1]!, ['serve'], {
      env: { ...process.env, [SERVING_PROCESS_ENV]: JSON.stringify(identity) },
      execArgv: process.execArgv,
      // Its own process group: a terminal's Ctrl-C goes to this primary alone, which stops it once.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.handover = new ConnectionHandover(child);
    // A failed spawn or a send on a closed channel: its exit (if it ran at all) says the rest.
    child.on('error', (err) => log.error({ err, serveProcess: slot.index }, 'a serving process failed'));
    child.on('message', (report: unknown) => {
      if (!isServingProcessReport(report) || slot.child !== child) return;
      if (report.bioq === 'taken') {
        slot.handover?.taken();
      } else if (report.bioq === 'accepting') {
        slot.accepting = true;
        for (const connection of waiting.splice(0)) route(connection);
      } else if (report.bioq === 'ready') {
        slot.ready = true;
        if (startedUp) log.info({ serveProcess: slot.index }, 'a serving process is back');
        if (slot.index === 0) readyDetails = report.details;
        if (serving.every((s) => s.ready)) started?.resolve();
      } else if (report.open) {
        homes.claim(report.id, slot.index);
      } else {
        homes.release(report.id, slot.index);
      }
    });
    child.once('exit', (code, signal) => {
      slot.child = undefined;
      slot.accepting = false;
      slot.ready = false;
      homes.forgetProcess(slot.index);
      const stranded = slot.handover?.takeBack() ?? [];
      slot.handover = undefined;
      for (const connection of stranded) route(connection);
      if (stopping) return;
      if (!startedUp) {
        // It never came up: neither will the next one (a key file, Redis, storage); it said why on stderr.
        started?.reject(Object.assign(new Error(`serving process ${slot.index + 1} of ${serving.length} exited before it was ready (${signal ?? `code ${code}`})`), { exitCode: code ?? 1 }));
        return;
      }
      const now = Date.now();
      slot.crashes = [...slot.crashes.filter((at) => now - at < CRASH_MEMORY_MS), now];
      const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (slot.crashes.length - 1));
      log.error({ serveProcess: slot.index, code, signal, restartInMs: delayMs }, 'a serving process exited; starting another (its MCP sessions move on their next request)');
      setTimeout(() => {
        if (!stopping) start(slot);
      }, delayMs);
    });
  }

  async function stopAll(): Promise<void> {
    stopping = true;
    listener.close();
    for (const { socket } of waiting.splice(0)) socket.destroy();
    const exits = serving.map(
      (slot) =>
        new Promise<{ slot: number; code: number | null }>((resolve) => {
          const child = slot.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return resolve({ slot: slot.index, code: 0 });
          child.once('exit', (code) => resolve({ slot: slot.index, code }));
          child.kill('SIGTERM');
        }),
    );
    const failed = (await Promise.all(exits)).filter((e) => e.code !== 0);
    if (failed.length > 0) throw new Error(`serving process ${failed.map((f) => `${f.slot + 1} exited with code ${f.code}`).join(', ')}`);
  }

  // However this process ends (a second signal, the stop's deadline), its serving processes are
  // told: a SIGTERM to one already stopping makes it exit at once (stop-on-signals.ts).
  process.on('exit', () => {
    for (const slot of serving) slot.child?.kill('SIGTERM');
  });

  for (const slot of serving) start(slot);
  try {
    await allReady;
    startedUp = true;
  } catch (err) {
    await stopAll().catch(() => undefined);
    log.error({ err }, 'serve did not start');
    process.exit((err as { exitCode?: number }).exitCode ?? 1);
  }
  stopOnSignals(log, { stopping: 'HTTP server stopping', secondSignal: '' }, stopAll, config);
  const publicUrl = config.http.publicUrl ?? url;
  log.info({ url, publicUrl, ...readyDetails, processes: serving.length }, 'serving MCP (/mcp, /sse), REST and /health over HTTP');
  return { publicUrl };
}
