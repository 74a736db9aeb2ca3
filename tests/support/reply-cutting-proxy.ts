// A TCP proxy in front of a real Redis that can lose one reply: Redis runs the command, and the
// connection drops before its answer reaches the client, as when Redis shuts down right after
// running it. ioredis then reconnects and sends its unanswered commands again
// (autoResendUnfulfilledCommands), which is what code that is not idempotent must survive.
import net from 'node:net';

export interface ReplyCuttingProxy {
  /** A redis:// URL through the proxy. */
  url: string;
  /**
   * The next time the client sends bytes containing `request`, they reach Redis, and the
   * connection is cut once Redis's replies to them (up to and including `reply`) have come back.
   */
  cutReplyTo(request: string, reply: string): void;
  /** How many times the client has sent `text` so far. */
  timesSent(text: string): number;
  close(): Promise<void>;
}

export async function startReplyCuttingProxy(redisUrl: string): Promise<ReplyCuttingProxy> {
  const target = new URL(redisUrl);
  let armed: { request: string; reply: string } | undefined;
  let sentText = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let cutting: { reply: string; seen: string } | undefined;
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      sentText += text;
      if (armed && text.includes(armed.request)) {
        cutting = { reply: armed.reply, seen: '' };
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (cutting) {
        cutting.seen += chunk.toString('latin1');
        if (cutting.seen.includes(cutting.reply)) {
          client.destroy();
          upstream.destroy();
        }
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cutReplyTo(request, reply) {
      armed = { request, reply };
    },
    timesSent: (text) => sentText.split(text).length - 1,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
