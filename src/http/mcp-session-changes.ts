// Hearing of the changes any replica makes to MCP session records (DELETE, a replica ending an
// idle session, a log level chosen), so a replica can trust a copy of a session it confirmed
// with Redis moments ago instead of asking Redis at the start of every request (issue 11).
//
// Redis pub/sub delivers at most once: what is published while this connection is down, or
// before its SUBSCRIBE is answered, is lost. So the feed counts epochs: a new one begins with
// every connection lost or made, and it is `live` only once its SUBSCRIBE was answered. A
// confirmation holds only in the live epoch it was made in; after any gap, every copy is asked
// about again.
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export class SessionChangeFeed {
  private readonly subscriber: Redis;
  private current = 0;
  private subscribed = false;

  constructor(redis: Redis, channel: string, onChange: (sessionId: string) => void, log: Logger) {
    // Its own connection: a subscribed connection can run nothing else. It subscribes anew on
    // every (re)connection itself, so it knows when the subscription is back.
    this.subscriber = redis.duplicate({ autoResubscribe: false, connectionName: 'bio-mcp-queue:server:mcp-session-changes' });
    this.subscriber.on('error', () => undefined); // reconnects are ioredis's job; until then nothing is trusted
    this.subscriber.on('close', () => this.newEpoch());
    this.subscriber.on('ready', () => {
      const epoch = this.newEpoch();
      this.subscriber.subscribe(channel).then(
        () => {
          if (this.current === epoch) this.subscribed = true;
        },
        (err: unknown) => log.debug({ err }, 'could not subscribe to MCP session changes; every request asks Redis about its session until it can'),
      );
    });
    this.subscriber.on('message', (from: string, sessionId: string) => {
      if (from === channel) onChange(sessionId);
    });
  }

  /** The live epoch: a change published from now on will be heard; undefined while none would be. */
  get epoch(): number | undefined {
    return this.subscribed ? this.current : undefined;
  }

  close(): void {
    this.newEpoch();
    this.subscriber.disconnect();
  }

  private newEpoch(): number {
    this.subscribed = false;
    this.current += 1;
    return this.current;
  }
}
