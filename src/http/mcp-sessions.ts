// MCP over Streamable HTTP at /mcp: one MCP session server and transport per session, created by an
// initialize request and bound to the API key that sent it. Another key presenting the session
// id gets the same 404 as an unknown id. A client that loses its connection reconnects with the
// same session id (and Last-Event-ID, replayed from the session's event store). How many sessions
// exist, and when idle ones close, is the SessionBudget's to decide.
// Sessions are not pinned to this process: each has a record in Redis (mcp-session-records.ts),
// so a `serve` replica behind the same load balancer that gets a request for a session it does
// not hold builds its own server and transport for it (adopt-mcp-session.ts). The record is the
// session: DELETE on any replica removes it, and a replica still holding a copy answers 404 next.
// Each session opened or taken over here, and each let go of, is told to `homes`: the primary of
// `serve --processes N` sends a session's connections to the process that holds it.
//
// Bookkeeping without a Redis round trip per request (issue 11). A request on a copy that Redis
// confirmed less than `every` ago (the record was there, the owner the same) goes on without
// asking again, as long as this replica has been listening to the record changes all that time
// (mcp-session-changes.ts): a DELETE, an idle close or a log level chosen on any replica is
// published with the change, and the copy is asked about on its next request. So a session ended
// elsewhere answers 404 here once this replica has heard of it: Redis sends the message before it
// answers the DELETE (which the client waits for), so in practice before the client's next
// request gets here; a message lost with a dropped connection ends the epoch and with it every
// confirmation, and any other loss lasts at most `every`. Requests are marked in Redis by the
// keep-alive, every `every`, not each at its end. Both stay within what the other replicas
// rely on: `every` is a quarter of the shorter of the idle and pressure times, so a replica
// closing its idle copy still sees in Redis any use of the session here since (the confirmation,
// at most `every` old, or the mark, at most `every` late), and the record outlives the idle time.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isInitializeRequest, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Caller } from '../jobs/caller.js';
import type { JobService } from '../jobs/job-service.js';
import { connectServer } from '../mcp/connect-server.js';
import { createMcpServer } from '../mcp/create-server.js';
import type { McpSession } from '../mcp/mcp-session.js';
import { SessionLogLevelState } from '../mcp/session-log-level.js';
import { adoptSession } from './adopt-mcp-session.js';
import { HttpError } from './http-errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { isModernPost, serveModernPost } from './mcp-modern-requests.js';
import { headerOf, type NodeRequest } from './node-handlers.js';
import { NodeStreamableHttpTransport } from './node-streamable-transport.js';
import type { SessionChangeFeed } from './mcp-session-changes.js';
import type { SessionHomeReports } from './serve-process-messages.js';
import type { McpSessionRecord, McpSessionRecords, SessionInit } from './mcp-session-records.js';
import { callerOf } from './require-caller.js';
import type { BudgetedSession, SessionBudget, SessionCloseReason } from './session-budget.js';

/** Why this replica let go of a session: the budget's reasons, or the record being gone. */
type CloseReason = SessionCloseReason | 'ended on another replica, or expired';

interface Session extends BudgetedSession {
  transport: NodeStreamableHttpTransport;
  server: McpSession;
  logLevel: SessionLogLevelState;
  /** Set when the server (not the client) ends the session. */
  closedFor?: CloseReason;
  /** When Redis last answered for the record (the touch's send time), in the change feed's epoch then. */
  confirmed?: { at: number; epoch: number };
  /** Changes heard of for this session: a touch answered across one confirms nothing. */
  changes: number;
  /** The latest lastActive of this session marked in Redis by this replica. */
  markedAt: number;
}

export interface McpSessionsOptions {
  jobs: () => JobService;
  records: () => McpSessionRecords;
  config: Config;
  log: Logger;
  budget: SessionBudget;
  /** Told of each session this process opens, takes over or lets go of. */
  homes: SessionHomeReports;
}

// Requests that ended here are marked in Redis four times per the shorter of the idle and
// pressure times (at most a minute apart), and a confirmation from Redis is trusted as long (the
// header says why that is safe). Sessions busy here (a call under way, a stream open) are marked
// active now a few times per idle time (at most a minute apart), so their records outlive it and
// no other replica closes them as idle meanwhile. (Not more often: a busy mark also keeps this
// replica from ending the session for good when it closes its copy, see close().)
const KEEP_ALIVE_MAX_MS = 60_000;
const KEEP_ALIVE_MIN_MS = 100;

export class StreamableHttpSessions {
  private readonly sessions = new Map<string, Session>();
  /** Sessions being taken over from another replica: concurrent requests share one. */
  private readonly adopting = new Map<string, Promise<Session>>();
  private readonly keepAlive: NodeJS.Timeout;
  /** How long a confirmation from Redis is trusted, and how often sessions are marked active. */
  private readonly every: number;
  private readonly busyEvery: number;
  private busyMarkedAt = Date.now();
  private feed: SessionChangeFeed | undefined;
  private stopped = false;

  constructor(private readonly options: McpSessionsOptions) {
    const { idleMs, pressureIdleMs } = options.config.http.mcpSessions;
    this.every = Math.max(KEEP_ALIVE_MIN_MS, Math.min(KEEP_ALIVE_MAX_MS, Math.min(idleMs, pressureIdleMs) / 4));
    this.busyEvery = Math.max(KEEP_ALIVE_MIN_MS, Math.min(KEEP_ALIVE_MAX_MS, idleMs / 3));
    this.keepAlive = setInterval(() => this.markUsed(), this.every).unref();
  }

  /** Stops marking sessions active and listening to changes (the server is stopping; its sessions are closed by the budget). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.keepAlive);
    this.feed?.close();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** POST, GET and DELETE /mcp. */
  readonly handle = async (req: NodeRequest, res: ServerResponse): Promise<void> => {
    const caller = callerOf(res);
    const sessionId = headerOf(req, 'mcp-session-id');
    let session: Session;
    if (sessionId !== undefined) {
      session = await this.find(sessionId, caller);
    } else if (isModernPost(req)) {
      // MCP 2026-07-28: no session, each request on its own.
      const { config, log } = this.options;
      return serveModernPost(req, res, { jobs: this.options.jobs(), config, log, caller });
    } else if (req.method === 'POST' && isInitializeRequest(req.body)) {
      const { protocolVersion, clientInfo, capabilities } = req.body.params;
      session = await this.open(caller, { protocolVersion, clientInfo, capabilities });
    } else {
      throw new HttpError('input_invalid', 'mcp-session-id: header missing; start a session with an initialize request first', 'mcp-session-id');
    }
    const current = session;
    // A GET is the client listening; a POST or DELETE is the client asking something.
    const kind = req.method === 'GET' ? 'streams' : 'calls';
    current[kind] += 1;
    current.lastActive = Date.now();
    res.on('close', () => {
      current[kind] -= 1;
      current.lastActive = Date.now(); // marked in Redis by the keep-alive (markUsed)
      // An initialize the transport refused never got an id: nothing can reach it again.
      if (current.transport.sessionId === undefined) void current.close('idle');
    });
    await current.transport.handleNodeRequest(req, res, req.body);
  };

  // The session of an id, this replica's copy or one built from its record; 404 when the record
  // is gone (DELETE on any replica, the idle time) or belongs to another key.
  private async find(sessionId: string, caller: Caller): Promise<Session> {
    const notFound = () => new HttpError('not_found', `mcp-session-id: no session "${sessionId}" for this API key (it may have been closed); start a new one with initialize`);
    const local = this.sessions.get(sessionId);
    if (local && local.owner !== caller.owner) throw notFound();
    if (local && this.isConfirmed(local)) return local;
    const records = this.options.records();
    const epoch = this.changeFeed().epoch;
    const changes = local?.changes;
    const at = Date.now();
    const record = await records.touch(sessionId, caller.owner, at);
    if (!record) {
      // The owner is the same (checked above): the record is gone, so is the session.
      if (local) await this.close(local, 'ended on another replica, or expired');
      throw notFound();
    }
    if (local) {
      if (record.logLevel !== undefined) local.logLevel.chosen = record.logLevel;
      // Trusted only if no change could have slipped by unheard while the touch was on its way.
      if (epoch !== undefined && this.feed?.epoch === epoch && local.changes === changes) local.confirmed = { at, epoch };
      return local;
    }
    let adopting = this.adopting.get(sessionId);
    if (!adopting) {
      adopting = this.adopt(sessionId, record, caller).finally(() => this.adopting.delete(sessionId));
      this.adopting.set(sessionId, adopting);
    }
    return adopting;
  }

  private async open(caller: Caller, init: SessionInit): Promise<Session> {
    const records = this.options.records();
    const sessionId = randomUUID();
    // Saved once admitted and before the transport hands the id out, so it works on every replica
    // from the start, and a Redis that is down refuses the initialize with 503. (An initialize
    // the transport then refuses leaves a record nobody knows the id of; it expires.)
    return this.build(caller, undefined, { sessionIdGenerator: () => sessionId, prepare: () => records.save(sessionId, caller.owner, init, Date.now()) });
  }

  // This replica's own server and transport for a session another replica opened.
  private async adopt(sessionId: string, record: McpSessionRecord, caller: Caller): Promise<Session> {
    const session = await this.build(caller, record.logLevel, { sessionIdGenerator: () => sessionId }, (s) => {
      adoptSession(s.server, s.transport, sessionId, record.init);
    });
    this.sessions.set(sessionId, session);
    this.options.homes.opened(sessionId);
    this.options.log.info({ mcpSession: sessionId, owner: caller.owner }, 'MCP session taken over from another replica');
    return session;
  }

  private async build(
    caller: Caller,
    logLevel: LoggingLevel | undefined,
    identity: { sessionIdGenerator: () => string; prepare?: () => Promise<void> },
    afterConnect?: (session: Session) => void,
  ): Promise<Session> {
    const { config, log, budget } = this.options;
    const jobs = this.options.jobs(); // throws while the server is starting, before anything is counted
    const records = this.options.records();
    const closeSession = (why: SessionCloseReason) => (session ? this.close(session, why) : Promise.resolve());
    // Admitted before the server is built, so a refused session costs nothing.
    const now = Date.now();
    const pending = { owner: caller.owner, calls: 0, streams: 0, lastActive: now, close: closeSession };
    budget.admit(pending);
    let session: Session | undefined;
    try {
      await identity.prepare?.();
      const logLevelShared = new SessionLogLevelState(logLevel, async (level) => {
        const id = session?.transport.sessionId;
        if (id !== undefined) await records.setLogLevel(id, level);
      });
      const server = createMcpServer({ jobs, config, log, caller, logLevel: logLevelShared });
      const replayable = new InMemoryEventStore();
      // Unconfirmed: its first request after this asks Redis (a change heard before it was
      // listed here would be missed otherwise). The record was just written or read: marked.
      const built: Session = Object.assign(pending, {
        server,
        logLevel: logLevelShared,
        changes: 0,
        markedAt: now,
        transport: new NodeStreamableHttpTransport({
          sessionIdGenerator: identity.sessionIdGenerator,
          eventStore: replayable,
          onAnswersDelivered: (requestIds) => replayable.answersDelivered(requestIds),
          onsessioninitialized: (id) => {
            this.sessions.set(id, built);
            this.options.homes.opened(id);
            log.info({ mcpSession: id, owner: caller.owner }, 'MCP session opened');
          },
          // DELETE from the client, on whichever replica: the session ends everywhere.
          onsessionclosed: (id) => records.remove(id),
        }),
      });
      // Called however the session ends: DELETE from the client, the budget closing it, shutdown.
      // Chained: the server's own onclose stops its subscriptions and task status feed (create-server.ts).
      session = built;
      const closeServer = server.server.onclose;
      server.server.onclose = () => {
        closeServer?.();
        budget.release(built);
        const id = built.transport.sessionId;
        if (id === undefined) return;
        if (this.sessions.get(id) === built) this.sessions.delete(id);
        this.options.homes.closed(id);
        log.info({ mcpSession: id, owner: caller.owner, why: built.closedFor ?? 'ended by the client' }, 'MCP session closed');
      };
      await connectServer(server, built.transport, log);
      afterConnect?.(built);
      return built;
    } catch (err) {
      budget.release(pending);
      // A server that connected but could not take the session over must not linger.
      await session?.server.close().catch((closeErr: unknown) => log.debug({ err: closeErr }, 'closing a session that could not be taken over failed'));
      throw err;
    }
  }

  // A session that fails to close is going away regardless (idle, making room, or the server stopping).
  private async close(session: Session, why: CloseReason): Promise<void> {
    session.closedFor ??= why;
    const id = session.transport.sessionId;
    // Unreachable at once, so no request slips in while the close finishes.
    if (id !== undefined && this.sessions.get(id) === session) this.sessions.delete(id);
    // The budget ends a session for good when this replica saw its last request; one used since
    // on another replica goes on there. A replica shutting down hands its sessions on.
    if (id !== undefined && (why === 'idle' || why === 'pressure')) {
      await this.options
        .records()
        .removeIfIdleSince(id, session.lastActive)
        .catch((err: unknown) => this.options.log.debug({ err, mcpSession: id, why }, 'could not remove the record of a closed MCP session; it expires after the idle time'));
    }
    await session.server.close().catch((err: unknown) => {
      this.options.log.debug({ err, mcpSession: id, owner: session.owner, why }, 'closing an MCP session failed');
    });
  }

  // Confirmed by Redis less than `every` ago, and every change published since has been heard.
  private isConfirmed(session: Session): boolean {
    const epoch = this.feed?.epoch;
    return epoch !== undefined && session.confirmed?.epoch === epoch && Date.now() - session.confirmed.at < this.every;
  }

  // The change feed, started with the first request for a session (the records need the runtime).
  private changeFeed(): { epoch: number | undefined } {
    if (this.stopped) return { epoch: undefined };
    this.feed ??= this.options.records().watch((id) => this.changed(id), this.options.log);
    return this.feed;
  }

  // A replica changed the session's record: its next request here asks Redis.
  private changed(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.changes += 1;
    session.confirmed = undefined;
  }

  // One batch for every session used here since its last mark (at its last request's end) and,
  // when their time has come, those busy now (a call under way, a stream open: now).
  private markUsed(): void {
    const now = Date.now();
    // Due within a tick: the busy mark must come at least every busyEvery.
    const busyDue = now + this.every - this.busyMarkedAt > this.busyEvery;
    if (busyDue) this.busyMarkedAt = now;
    const marks: { session: Session; sessionId: string; at: number }[] = [];
    for (const [sessionId, session] of this.sessions) {
      const busy = busyDue && (session.calls > 0 || session.streams > 0);
      if (busy || session.lastActive > session.markedAt) marks.push({ session, sessionId, at: busy ? now : session.lastActive });
    }
    if (marks.length === 0) return;
    this.options
      .records()
      .markActive(marks)
      .then(() => {
        for (const { session, at } of marks) session.markedAt = Math.max(session.markedAt, at);
      })
      .catch((err: unknown) => this.options.log.debug({ err, mcpSessions: marks.length }, 'could not mark MCP sessions active in Redis; the next keep-alive tries again'));
  }
}
