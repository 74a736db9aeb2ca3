// MCP over Streamable HTTP at /mcp: one McpServer and transport per session, created by an
// initialize request and bound to the API key that sent it. Another key presenting the session
// id gets the same 404 as an unknown id. A client that loses its connection reconnects with the
// same session id (and Last-Event-ID, replayed from the session's event store); sessions nobody
// has used for IDLE_SESSION_MS are closed.
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Caller } from '../jobs/caller.js';
import type { JobService } from '../jobs/job-service.js';
import { createMcpServer } from '../mcp/create-server.js';
import { HttpError } from './http-errors.js';
import { InMemoryEventStore } from './in-memory-event-store.js';
import { callerOf } from './require-api-key.js';

export const IDLE_SESSION_MS = 30 * 60_000;
const SWEEP_MS = 60_000;

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  owner: string;
  lastSeen: number;
  /** Requests still open (a waiting tool call, the GET stream): the session is not idle. */
  open: number;
}

export interface McpSessionsOptions {
  jobs: () => JobService;
  config: Config;
  log: Logger;
  idleMs?: number;
}

export class StreamableHttpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly options: McpSessionsOptions) {
    const idleMs = options.idleMs ?? IDLE_SESSION_MS;
    this.sweep = setInterval(() => this.closeIdle(idleMs), Math.min(SWEEP_MS, idleMs)).unref();
  }

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
    current.open += 1;
    res.on('close', () => {
      current.open -= 1;
      current.lastSeen = Date.now();
    });
    await current.transport.handleRequest(req, res, req.body);
  };

  private async open(caller: Caller): Promise<Session> {
    const { config, log } = this.options;
    const server = createMcpServer({ jobs: this.options.jobs(), config, log, caller });
    const session: Session = {
      server,
      owner: caller.owner,
      lastSeen: Date.now(),
      open: 0,
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(),
        onsessioninitialized: (id) => {
          this.sessions.set(id, session);
          log.info({ mcpSession: id, owner: caller.owner }, 'MCP session opened');
        },
      }),
    };
    // Called however the session ends: DELETE from the client, idle sweep, shutdown.
    server.server.onclose = () => {
      const id = session.transport.sessionId;
      if (id !== undefined && this.sessions.get(id) === session) {
        this.sessions.delete(id);
        log.info({ mcpSession: id, owner: caller.owner }, 'MCP session closed');
      }
    };
    await server.connect(session.transport);
    return session;
  }

  private closeIdle(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    for (const session of this.sessions.values()) {
      if (session.open === 0 && session.lastSeen < cutoff) void this.close(session, 'idle');
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweep);
    await Promise.all([...this.sessions.values()].map((s) => this.close(s, 'shutdown')));
  }

  // A session that fails to close is going away regardless (idle, or the server stopping).
  private async close(session: Session, why: 'idle' | 'shutdown'): Promise<void> {
    await session.server.close().catch((err: unknown) => {
      this.options.log.debug({ err, mcpSession: session.transport.sessionId, owner: session.owner, why }, 'closing an MCP session failed');
    });
  }
}
