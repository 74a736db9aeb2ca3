// One MCP session: the SDK's low-level Server for its connection, and what the session alone
// owns — its caller, its client's roots, its log level, and, made on first use, its resource
// subscriptions, its task status feed and what its tools keep between calls. Everything else (the
// tools, prompts and resource templates, their schemas and their answers) is the process's one
// shared registry (shared-registry.ts), which every request the Server has no handler of its own
// for is handed to, with this session in the request's `extra` (sessionOf). So an idle session
// costs a Server, not a server's worth of registrations (issue 11).
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Caller } from '../jobs/caller.js';
import type { JobTaskStore } from './job-task-store.js';
import type { ModernDoor } from './modern-era-router.js';
import type { SessionLogLevel } from './session-log-level.js';
import type { SessionRoots } from './session-roots.js';
import type { SharedRegistry } from './shared-registry.js';
import { TaskStatusFeed } from './task-status-feed.js';
import { TasksV2 } from './tasks-v2.js';

const SESSION = Symbol('bio-mcp-queue session');

/** What each registered handler needs of the session a request came on. */
export interface SessionHandlerContext {
  readonly caller: Caller;
  readonly roots: SessionRoots;
  readonly logLevel: SessionLogLevel;
  readonly server: Server;
  /** This session's task status feed, made when its first task is followed. */
  readonly feed: TaskStatusFeed;
  /** State a handler keeps for this session between calls, made on first use, dropped with the session. */
  local<T>(key: SessionLocal<T>): T;
  /** Runs at the session's close (once), or at once if it has closed. */
  onClose(stop: () => void): void;
}

/** A kind of per-session state: how to make it when a session first needs it. */
export interface SessionLocal<T> {
  make(session: SessionHandlerContext): T;
}

export class McpSession implements SessionHandlerContext, ModernDoor {
  private _feed: TaskStatusFeed | undefined;
  private _tasksV2: TasksV2 | undefined;
  private locals: Map<SessionLocal<unknown>, unknown> | undefined;
  private stops: (() => void)[] | undefined;
  private ended = false;

  constructor(
    /** The protocol server of this session's one connection; adapters chain onto its onclose. */
    readonly server: Server,
    readonly registry: SharedRegistry,
    readonly caller: Caller,
    readonly roots: SessionRoots,
    readonly logLevel: SessionLogLevel,
    readonly taskStore: JobTaskStore,
  ) {
    server.fallbackRequestHandler = (request, extra) => registry.dispatch(request, { ...extra, [SESSION]: this } as typeof extra);
    server.onclose = () => this.closed();
  }

  get feed(): TaskStatusFeed {
    if (!this._feed) {
      this._feed = new TaskStatusFeed(this.server, this.registry.jobs, this.caller, this.taskStore, this.registry.log);
      // First asked for by a call that finished after the close: it follows nothing.
      if (this.ended) this._feed.close();
    }
    return this._feed;
  }

  /** tasks/get, update and cancel of MCP 2026-07-28 for this session's caller (modern-era-router.ts). */
  get tasksV2(): TasksV2 {
    return (this._tasksV2 ??= new TasksV2(this.registry.jobs, this.caller, this.taskStore));
  }

  get taskTools(): ReadonlySet<string> {
    return this.registry.taskTools;
  }

  discover(): Record<string, unknown> {
    return this.registry.discover();
  }

  local<T>(key: SessionLocal<T>): T {
    this.locals ??= new Map();
    if (!this.locals.has(key)) this.locals.set(key, key.make(this));
    return this.locals.get(key) as T;
  }

  onClose(stop: () => void): void {
    // A handler that finishes after the close (a subscribe under way) stops what it started at once.
    if (this.ended) stop();
    else (this.stops ??= []).push(stop);
  }

  connect(transport: Transport): Promise<void> {
    return this.server.connect(transport);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private closed(): void {
    this.ended = true;
    this._feed?.close();
    const stops = this.stops ?? [];
    this.stops = undefined;
    for (const stop of stops) stop();
    this.locals = undefined;
  }
}

/** The session a registered handler's request came on; a handler reached any other way is a bug. */
export function sessionOf(extra: object): SessionHandlerContext {
  const session = (extra as { [SESSION]?: McpSession })[SESSION];
  if (!session) throw new Error('no MCP session on this request: shared handlers are reached through a session server (mcp-session.ts)');
  return session;
}
