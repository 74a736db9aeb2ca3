// The event store that makes /mcp streams resumable: a reconnecting client gets exactly the
// messages of its own stream that came after the last one it saw, and memory stays bounded: a
// stream whose answer was delivered is forgotten after a grace, a broken one is kept.
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore } from '../../src/http/in-memory-event-store.js';

const answer = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { content: [] } });
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

  it('replays messages stored while the replay runs', async () => {
    const store = new InMemoryEventStore();
    const priming = await store.storeEvent('a', {} as JSONRPCMessage);
    const first = await store.storeEvent('a', note(1));
    const sent: string[] = [];
    let later: string | undefined;
    await store.replayEventsAfter(priming, {
      send: async (id) => {
        sent.push(id);
        later ??= await store.storeEvent('a', note(2));
      },
    });
    expect(sent).toEqual([first, later]);
  });

  it('forgets a stream whose answer was delivered once the grace has passed, and keeps a broken one', async () => {
    let now = 1_000;
    const store = new InMemoryEventStore(1000, 10_000, 16, () => now);
    const delivered = await store.storeEvent('a', {} as JSONRPCMessage);
    await store.storeEvent('a', answer(1));
    const broken = await store.storeEvent('b', {} as JSONRPCMessage);
    const brokenAnswer = await store.storeEvent('b', answer(2));
    store.answersDelivered([1]);
    now += 9_999;
    await store.storeEvent('c', note(3));
    expect(await store.getStreamIdForEventId(delivered)).toBe('a'); // a quick reconnect still finds it
    now += 1;
    await store.storeEvent('c', note(4));
    expect(await store.getStreamIdForEventId(delivered)).toBeUndefined();
    expect(await replay(store, broken)).toEqual({ streamId: 'b', sent: [[brokenAnswer, answer(2)]] });
    expect(store.size).toBe(4);
  });

  it('keeps only the most recent delivered streams, and ignores ids it holds no answer for', async () => {
    const store = new InMemoryEventStore(1000, 10_000, 2, () => 0);
    const firsts: string[] = [];
    for (const id of [1, 2, 3]) {
      firsts.push(await store.storeEvent(`s${id}`, {} as JSONRPCMessage));
      await store.storeEvent(`s${id}`, answer(id));
    }
    store.answersDelivered([1, 2, 99]);
    expect(store.size).toBe(6);
    store.answersDelivered([3]);
    expect(await store.getStreamIdForEventId(firsts[0]!)).toBeUndefined();
    expect(await store.getStreamIdForEventId(firsts[1]!)).toBe('s2');
    expect(store.size).toBe(4);
  });
});
