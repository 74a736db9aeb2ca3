// What lets a Streamable HTTP client that lost its SSE stream pick up where it left off: the
// messages sent on each stream, numbered, replayed after the Last-Event-ID the client presents.
// One store per session (freed with it), holding its most recent messages only.
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const DEFAULT_MAX_EVENTS = 1000;

export class InMemoryEventStore implements EventStore {
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  private seq = 0;

  constructor(private readonly maxEvents = DEFAULT_MAX_EVENTS) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const eventId = String(++this.seq);
    this.events.set(eventId, { streamId, message });
    // A Map iterates in insertion order: the first key is the oldest event.
    if (this.events.size > this.maxEvents) this.events.delete(this.events.keys().next().value!);
    return eventId;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const streamId = this.events.get(lastEventId)?.streamId;
    if (streamId === undefined) return '';
    const after = Number(lastEventId);
    for (const [eventId, event] of this.events) {
      // Priming events (an empty object) only hand the client an id; there is nothing to replay.
      if (Number(eventId) <= after || event.streamId !== streamId || Object.keys(event.message).length === 0) continue;
      await send(eventId, event.message);
    }
    return streamId;
  }
}
