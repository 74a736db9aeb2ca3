// What lets a Streamable HTTP client that lost its SSE stream pick up where it left off: the
// messages sent on each stream, numbered, replayed after the Last-Event-ID the client presents.
// One store per session (freed with it), holding its most recent messages only.
//
// A stream whose answer reached the client's socket whole (answersDelivered()) has nothing left
// to resume: its messages are kept only for a short grace, and only for the last few such
// streams, for a client behind a proxy that lost what the proxy had already taken. A stream that
// broke before its answer went out keeps its messages for the resume it is made for. Before, every
// answer stayed until 1,000 newer ones pushed it out: ~1.2 KiB each, so a session that had polled
// a job's status a thousand times held over a MiB, and the garbage collector carried all of it
// (issue 11, bench/RESULTS.md).
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const DEFAULT_MAX_EVENTS = 1000;
// Covers the SDK client's reconnections (1 s after the break, then 1.5 s later; two by default).
// Not longer: every answer kept is carried by the garbage collector, and at 10 s the 1,000
// polling sessions of bench/http-load.ts had p99 62–68 ms against 19–37 ms at 3 s (RESULTS.md).
export const DELIVERED_GRACE_MS = 3_000;
// More than a client runs calls at once; a busy session's older answers go at once.
export const DELIVERED_STREAMS_KEPT = 16;

type RequestId = string | number;

export class InMemoryEventStore implements EventStore {
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  /** Each stream's event ids, oldest first. */
  private readonly streamEvents = new Map<string, string[]>();
  /** The stream each stored answer went out on, until it is delivered. */
  private readonly answeredOn = new Map<RequestId, string>();
  /** Delivered streams in the order their grace ends. */
  private readonly delivered: { streamId: string; forgetAt: number }[] = [];
  private seq = 0;

  constructor(
    private readonly maxEvents = DEFAULT_MAX_EVENTS,
    private readonly graceMs = DELIVERED_GRACE_MS,
    private readonly deliveredKept = DELIVERED_STREAMS_KEPT,
    private readonly now: () => number = Date.now,
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    this.forgetDelivered();
    const eventId = String(++this.seq);
    this.events.set(eventId, { streamId, message });
    const ids = this.streamEvents.get(streamId);
    if (ids) ids.push(eventId);
    else this.streamEvents.set(streamId, [eventId]);
    if ('id' in message && message.id !== undefined && ('result' in message || 'error' in message)) this.answeredOn.set(message.id, streamId);
    // A Map iterates in insertion order: the first key is the oldest event, and the first of its stream's.
    if (this.events.size > this.maxEvents) {
      const [oldestId, oldest] = this.events.entries().next().value!;
      this.events.delete(oldestId);
      const ofStream = this.streamEvents.get(oldest.streamId)!;
      ofStream.shift();
      if (ofStream.length === 0) this.streamEvents.delete(oldest.streamId);
      const answered = oldest.message as { id?: RequestId };
      if (answered.id !== undefined && this.answeredOn.get(answered.id) === oldest.streamId) this.answeredOn.delete(answered.id);
    }
    return eventId;
  }

  /**
   * The answers to these requests were written whole to a connection the client still held: their
   * streams' messages are forgotten once the grace has passed. Ids with no stored answer (a stream
   * the server closed for the client to poll, say) are left alone.
   */
  answersDelivered(requestIds: readonly RequestId[]): void {
    const forgetAt = this.now() + this.graceMs;
    for (const requestId of requestIds) {
      const streamId = this.answeredOn.get(requestId);
      if (streamId === undefined) continue;
      this.answeredOn.delete(requestId);
      // A batch's answers share one stream.
      if (this.delivered.at(-1)?.streamId !== streamId) this.delivered.push({ streamId, forgetAt });
    }
    this.forgetDelivered();
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const streamId = this.events.get(lastEventId)?.streamId;
    if (streamId === undefined) return '';
    // Looked up afresh after every send: messages stored meanwhile are replayed too (the SDK skips
    // writing them itself while the replay runs), and the oldest may have been dropped.
    for (let after = Number(lastEventId); ; ) {
      const eventId = this.streamEvents.get(streamId)?.find((id) => Number(id) > after);
      if (eventId === undefined) return streamId;
      after = Number(eventId);
      const { message } = this.events.get(eventId)!;
      // Priming events (an empty object) only hand the client an id; there is nothing to replay.
      if (Object.keys(message).length > 0) await send(eventId, message);
    }
  }

  /** How many messages are held (for tests and memory checks). */
  get size(): number {
    return this.events.size;
  }

  private forgetDelivered(): void {
    const now = this.now();
    let ended = 0;
    while (ended < this.delivered.length && (this.delivered[ended]!.forgetAt <= now || this.delivered.length - ended > this.deliveredKept)) {
      const { streamId } = this.delivered[ended++]!;
      for (const eventId of this.streamEvents.get(streamId) ?? []) this.events.delete(eventId);
      this.streamEvents.delete(streamId);
    }
    if (ended > 0) this.delivered.splice(0, ended);
  }
}
