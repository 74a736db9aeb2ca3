// The MCP transport of older clients: GET /sse opens a stream and names a POST endpoint,
// POST /messages?sessionId=… carries the client's messages. Same rules as /mcp: a session is
// bound to the API key that opened it, counts against the same SessionBudget, and ends when its
// stream closes (or when the budget closes it to make room, which ends the stream).
import type { Request, Response } from 'express';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobService } from '../jobs/job-service.js';
import { connectServer } from '../mcp/connect-server.js';
import { createMcpServer } from '../mcp/create-server.js';
import type { McpSession } from '../mcp/mcp-session.js';
import { HttpError } from './http-errors.js';
import type { SessionHomeReports } from './serve-process-messages.js';
import { callerOf } from './require-caller.js';
import type { BudgetedSession, SessionBudget, SessionCloseReason } from './session-budget.js';

interface Session extends BudgetedSession {
  transport: SSEServerTransport;
  server: McpSession;
}

export interface LegacySseOptions {
  jobs: () => JobService;
  config: Config;
  log: Logger;
  budget: SessionBudget;
  /** Told of each session opened and closed here. */
  homes: SessionHomeReports;
  /** Path of POST /messages as clients reach it (under BIO_QUEUE_PUBLIC_URL's path, behind a proxy). */
  messagesPath: string;
}

export class LegacySseSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: LegacySseOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  /** GET /sse: the stream stays open for the whole session. */
  readonly connect = async (_req: Request, res: Response): Promise<void> => {
    const caller = callerOf(res);
    const { config, log, messagesPath, budget } = this.options;
    const jobs = this.options.jobs(); // throws while the server is starting, before anything is counted
    // The stream is open from the start: the session is quiet until the client posts a message.
    const pending = { owner: caller.owner, calls: 0, streams: 1, lastActive: Date.now(), close: (why: SessionCloseReason) => this.close(session, why) };
    budget.admit(pending);
    let session: Session;
    try {
      const transport = new SSEServerTransport(messagesPath, res);
      const server = createMcpServer({ jobs, config, log, caller });
      session = Object.assign(pending, { transport, server });
      const id = transport.sessionId;
      this.sessions.set(id, session);
      this.options.homes.opened(id);
      // Chained: the server's own onclose stops its subscriptions and task status feed (create-server.ts).
      const closeServer = server.server.onclose;
      server.server.onclose = () => {
        closeServer?.();
        budget.release(session);
        this.sessions.delete(id);
        this.options.homes.closed(id);
        log.info({ sseSession: id, owner: caller.owner }, 'legacy SSE session closed');
      };
      res.on('close', () => {
        session.streams = 0;
        void this.close(session, 'idle');
      });
      await connectServer(server, transport, log);
    } catch (err) {
      budget.release(pending);
      throw err;
    }
    log.info({ sseSession: session.transport.sessionId, owner: caller.owner }, 'legacy SSE session opened');
  };

  /** POST /messages?sessionId=…: one JSON-RPC message of an open session. */
  readonly message = async (req: Request, res: Response): Promise<void> => {
    const caller = callerOf(res);
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    const session = this.sessions.get(id);
    if (!session || session.owner !== caller.owner) {
      throw new HttpError('not_found', `sessionId: no session "${id}" for this API key (it ends when its GET /sse stream closes); open a new one with GET /sse`);
    }
    session.calls += 1;
    session.lastActive = Date.now();
    res.on('close', () => {
      session.calls -= 1;
      session.lastActive = Date.now();
    });
    await session.transport.handlePostMessage(req, res, req.body);
  };

  // The stream is gone, the budget made room, or the server is stopping: the session ends
  // whether or not this succeeds.
  private async close(session: Session, why: SessionCloseReason): Promise<void> {
    const id = session.transport.sessionId;
    this.sessions.delete(id);
    await session.server.close().catch((err: unknown) => this.options.log.debug({ err, sseSession: id, owner: session.owner, why }, 'closing a legacy SSE session failed'));
  }
}
