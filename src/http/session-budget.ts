// How many MCP sessions `serve` holds, shared by Streamable HTTP (/mcp) and legacy SSE (/sse):
// each costs server memory (about 12 KiB idle: its protocol server, transport and event store;
// more while calls run and streams are open), so one key opening thousands would take the
// server's memory. A new session is admitted only under the per-key and total caps; at a cap, the
// least recently used session whose client has gone quiet makes room before anyone is refused
// with 429. Sessions nobody uses are closed by a sweep.
import type { McpSessionLimits } from '../config.js';
import { BioQueueError } from '../errors.js';

/** One session as the budget sees it; the transport's session class keeps these fields current. */
export interface BudgetedSession {
  readonly owner: string;
  /** Client messages being answered now (a tool call may wait up to a minute): never closed meanwhile. */
  calls: number;
  /** Streams the client keeps open to hear from the server (GET /mcp, the GET /sse stream). */
  streams: number;
  /** When a request on it last started or ended. */
  lastActive: number;
  close(why: SessionCloseReason): Promise<void>;
}

export type SessionCloseReason = 'idle' | 'pressure' | 'shutdown';

const SWEEP_MS = 60_000;

export class SessionBudget {
  private readonly sessions = new Set<BudgetedSession>();
  private readonly perOwner = new Map<string, number>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly limits: McpSessionLimits) {
    this.sweep = setInterval(() => this.closeIdle(), Math.min(SWEEP_MS, limits.idleMs)).unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  countOf(owner: string): number {
    return this.perOwner.get(owner) ?? 0;
  }

  /**
   * Counts a new session in, closing a quiet one to make room at a cap; throws rate_limited
   * (429 with Retry-After) when none can go. Synchronous, so concurrent opens cannot overshoot.
   */
  admit(session: BudgetedSession): void {
    const { perKey, max } = this.limits;
    if (this.countOf(session.owner) >= perKey && !this.evictQuiet((s) => s.owner === session.owner)) {
      throw this.refusal(
        `"${session.owner}" has ${perKey} MCP sessions open, the most one API key may have (BIO_QUEUE_MCP_SESSIONS_PER_KEY); end unused ones (DELETE /mcp, or close the /sse stream)`,
        (s) => s.owner === session.owner,
      );
    }
    if (this.sessions.size >= max && !this.evictQuiet(() => true)) {
      throw this.refusal(`the server has ${max} MCP sessions open, the most it keeps (BIO_QUEUE_MCP_SESSIONS_MAX)`, () => true);
    }
    this.sessions.add(session);
    this.perOwner.set(session.owner, this.countOf(session.owner) + 1);
  }

  /** Counts a session out, however it ended; a second call is a no-op. */
  release(session: BudgetedSession): void {
    if (!this.sessions.delete(session)) return;
    const left = this.countOf(session.owner) - 1;
    if (left > 0) this.perOwner.set(session.owner, left);
    else this.perOwner.delete(session.owner);
  }

  /** Closes every session (the server is stopping) and stops the sweep. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweep);
    const all = [...this.sessions];
    for (const session of all) this.release(session);
    await Promise.all(all.map((s) => s.close('shutdown')));
  }

  // Sessions with nothing open for the idle time: their clients have gone. (Quiet sessions are
  // closed sooner only when a newcomer needs the room, so no client loses a session needlessly.)
  private closeIdle(): void {
    const now = Date.now();
    for (const session of [...this.sessions]) {
      if (session.calls === 0 && session.streams === 0 && now - session.lastActive >= this.limits.idleMs) this.evict(session, 'idle');
    }
  }

  // Closes the least recently used quiet session among those chosen; false when there is none.
  private evictQuiet(among: (s: BudgetedSession) => boolean): boolean {
    let oldest: BudgetedSession | undefined;
    for (const session of this.sessions) {
      if (among(session) && this.isQuiet(session) && (!oldest || session.lastActive < oldest.lastActive)) oldest = session;
    }
    if (oldest) this.evict(oldest, 'pressure');
    return oldest !== undefined;
  }

  // An open stream does not keep a session from being quiet: a client listening but sending
  // nothing for the pressure time gives way to one that wants to work.
  private isQuiet(session: BudgetedSession): boolean {
    return session.calls === 0 && Date.now() - session.lastActive >= this.limits.pressureIdleMs;
  }

  // Counted out at once, so the room is there now; the close itself finishes in the background.
  private evict(session: BudgetedSession, why: SessionCloseReason): void {
    this.release(session);
    void session.close(why);
  }

  // Retry-After: when the first of the sessions in question will have been quiet long enough
  // to give way (a session busy with a call could free up any time: the full pressure time).
  private refusal(message: string, among: (s: BudgetedSession) => boolean): BioQueueError {
    const now = Date.now();
    let waitMs = this.limits.pressureIdleMs;
    for (const session of this.sessions) {
      if (among(session) && session.calls === 0) waitMs = Math.min(waitMs, session.lastActive + this.limits.pressureIdleMs - now);
    }
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new BioQueueError('rate_limited', `${message}; try again in ${seconds} s`, { retry_after_seconds: seconds });
  }
}
