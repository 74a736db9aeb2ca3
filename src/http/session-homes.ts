// Which serving process holds each MCP session, as the primary of `serve --processes N` knows
// it from the processes' reports: a session's connections go to the process that opened it, so
// its GET stream, its subscriptions and (for legacy SSE, which cannot move at all) its messages
// stay together. A session another process took over (mcp-sessions.ts) keeps its first home.

export class SessionHomes {
  private readonly homes = new Map<string, number>();

  /** Process `index` holds the session; the first to say so keeps it. */
  claim(id: string, index: number): void {
    if (!this.homes.has(id)) this.homes.set(id, index);
  }

  /** Process `index` let the session go: forgotten if that was its home. */
  release(id: string, index: number): void {
    if (this.homes.get(id) === index) this.homes.delete(id);
  }

  /** Process `index` is gone: its sessions have no home until another process opens or takes them over. */
  forgetProcess(index: number): void {
    for (const [id, home] of this.homes) if (home === index) this.homes.delete(id);
  }

  of(id: string): number | undefined {
    return this.homes.get(id);
  }

  get size(): number {
    return this.homes.size;
  }
}
