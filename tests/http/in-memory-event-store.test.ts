// The event store that makes /mcp streams resumable: a reconnecting client gets exactly the
// messages of its own stream that came after the last one it saw, and memory stays bounded.
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore } from '../../src/http/in-memory-event-store.js';

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: n } });

async function replay(store: InMemoryEventStore, after: string) {
  const sent: [string, JSONRPCMessage][] = [];
  const streamId = await store.replayEventsAfter(after, { send: async (id, message) => void sent.push([id, message]) });
  return { streamId, sent };
}

describe('InMemoryEventStore', () => {
  it('replays the later messages of the same stream, in order, without priming events', async () => {
    const store = new InMemoryEventStore();
    const priming = await store.storeEvent('a', {} as JSONRPCMessage);
    const a1 = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(2));
    const a3 = await store.storeEvent('a', note(3));
    const a4 = await store.storeEvent('a', note(4));
    expect(await store.getStreamIdForEventId(a1)).toBe('a');
    expect(await replay(store, priming)).toEqual({ streamId: 'a', sent: [[a1, note(1)], [a3, note(3)], [a4, note(4)]] });
    expect(await replay(store, a3)).toEqual({ streamId: 'a', sent: [[a4, note(4)]] });
  });

  it('keeps only the most recent messages', async () => {
    const store = new InMemoryEventStore(2);
    const first = await store.storeEvent('a', note(1));
    const second = await store.storeEvent('a', note(2));
    const third = await store.storeEvent('a', note(3));
    expect(await store.getStreamIdForEventId(first)).toBeUndefined();
    expect(await replay(store, second)).toEqual({ streamId: 'a', sent: [[third, note(3)]] });
  });
});
