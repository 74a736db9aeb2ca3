// The MCP transport of older clients: GET /sse opens a stream and names a POST endpoint,
// POST /messages?sessionId=… carries the client's messages. Same rules as /mcp: a session is
// bound to the API key that opened it and ends when its stream closes.
import type { Request, Response } from 'express';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobService } from '../jobs/job-service.js';
import { createMcpServer } from '../mcp/create-server.js';
import { HttpError } from './http-errors.js';
import { callerOf } from './require-api-key.js';

interface Session {
  transport: SSEServerTransport;
  server: McpServer;
  owner: string;
}

export interface LegacySseOptions {
  jobs: () => JobService;
  config: Config;
  log: Logger;
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
    const { config, log, messagesPath } = this.options;
    const transport = new SSEServerTransport(messagesPath, res);
    const server = createMcpServer({ jobs: this.options.jobs(), config, log, caller });
    const id = transport.sessionId;
    this.sessions.set(id, { transport, server, owner: caller.owner });
    server.server.onclose = () => {
      this.sessions.delete(id);
      log.info({ sseSession: id, owner: caller.owner }, 'legacy SSE session closed');
    };
    res.on('close', () => void this.close(id, server, caller.owner));
    await server.connect(transport);
    log.info({ sseSession: id, owner: caller.owner }, 'legacy SSE session opened');
  };

  /** POST /messages?sessionId=…: one JSON-RPC message of an open session. */
  readonly message = async (req: Request, res: Response): Promise<void> => {
    const caller = callerOf(res);
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    const session = this.sessions.get(id);
    if (!session || session.owner !== caller.owner) {
      throw new HttpError('not_found', `sessionId: no session "${id}" for this API key (it ends when its GET /sse stream closes); open a new one with GET /sse`);
    }
    await session.transport.handlePostMessage(req, res, req.body);
  };

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.entries()].map(([id, s]) => this.close(id, s.server, s.owner)));
  }

  // The stream is gone (or the server stopping), so the session ends whether or not this succeeds.
  private async close(id: string, server: McpServer, owner: string): Promise<void> {
    await server.close().catch((err: unknown) => this.options.log.debug({ err, sseSession: id, owner }, 'closing a legacy SSE session failed'));
  }
}
