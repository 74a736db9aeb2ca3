// MCP over Streamable HTTP at /mcp: one McpServer and transport per session, created by an
// initialize request and bound to the API key that sent it. Another key presenting the session
// id gets the same 404 as an unknown id. A client that loses its connection reconnects with the
// same session id (and Last-Event-ID, replayed from the session's event store). How many sessions
// exist, and when idle ones close, is the SessionBudget's to decide.
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Caller } from '../jobs/caller.js';
import type { JobService } from '../jobs/job-service.js';
import { connectServer } from '../mcp/connect-server.js';
import { createMcpServer } from '../mcp/create-server.js';
import { HttpError } from './http-errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { callerOf } from './require-caller.js';
import type { BudgetedSession, SessionBudget, SessionCloseReason } from './session-budget.js';

interface Session extends BudgetedSession {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** Set when the server (not the client) ends the session. */
  closedFor?: SessionCloseReason;
}

export interface McpSessionsOptions {
  jobs: () => JobService;
  config: Config;
  log: Logger;
  budget: SessionBudget;
}

export class StreamableHttpSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: McpSessionsOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /** POST, GET and DELETE /mcp. */
  readonly handle = async (req: Request, res: Response): Promise<void> => {
    const caller = callerOf(res);
    const sessionId = req.get('mcp-session-id');
    let session: Session | undefined;
    if (sessionId !== undefined) {
      session = this.sessions.get(sessionId);
      if (!session || session.owner !== caller.owner) {
        throw new HttpError('not_found', `mcp-session-id: no session "${sessionId}" for this API key (it may have been closed); start a new one with initialize`);
      }
    } else if (req.method === 'POST' && isInitializeRequest(req.body)) {
      session = await this.open(caller);
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
      current.lastActive = Date.now();
      // An initialize the transport refused never got an id: nothing can reach it again.
      if (current.transport.sessionId === undefined) void current.close('idle');
    });
    await current.transport.handleRequest(req, res, req.body);
  };

  private async open(caller: Caller): Promise<Session> {
    const { config, log, budget } = this.options;
    const jobs = this.options.jobs(); // throws while the server is starting, before anything is counted
    const closeSession = (why: SessionCloseReason) => this.close(session, why);
    // Admitted before the server is built, so a refused session costs nothing.
    const pending = { owner: caller.owner, calls: 0, streams: 0, lastActive: Date.now(), close: closeSession };
    budget.admit(pending);
    let session: Session;
    try {
      const server = createMcpServer({ jobs, config, log, caller });
      session = Object.assign(pending, {
        server,
        transport: new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          eventStore: new InMemoryEventStore(),
          onsessioninitialized: (id) => {
            this.sessions.set(id, session);
            log.info({ mcpSession: id, owner: caller.owner }, 'MCP session opened');
          },
        }),
      });
      // Called however the session ends: DELETE from the client, the budget closing it, shutdown.
      // Chained: the server's own onclose stops its subscriptions and task status feed (create-server.ts).
      const closeServer = server.server.onclose;
      server.server.onclose = () => {
        closeServer?.();
        budget.release(session);
        const id = session.transport.sessionId;
        if (id === undefined) return;
        if (this.sessions.get(id) === session) this.sessions.delete(id);
        log.info({ mcpSession: id, owner: caller.owner, why: session.closedFor ?? 'ended by the client' }, 'MCP session closed');
      };
      await connectServer(server, session.transport, log);
    } catch (err) {
      budget.release(pending);
      throw err;
    }
    return session;
  }

  // A session that fails to close is going away regardless (idle, making room, or the server stopping).
  private async close(session: Session, why: SessionCloseReason): Promise<void> {
    session.closedFor ??= why;
    const id = session.transport.sessionId;
    // Unreachable at once, so no request slips in while the close finishes.
    if (id !== undefined && this.sessions.get(id) === session) this.sessions.delete(id);
    await session.server.close().catch((err: unknown) => {
      this.options.log.debug({ err, mcpSession: id, owner: session.owner, why }, 'closing an MCP session failed');
    });
  }
}
