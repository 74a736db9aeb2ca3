// How the primary of `serve --processes N` gives a connection to a serving process without
// losing a byte of it. The primary reads until it has the first request's head, then holds the
// socket paused: what it reads meanwhile stays in the socket's buffer. The socket goes to the
// process with a message carrying every byte read, and with no other hand-over to that process
// waiting for its acknowledgement, Node moves the socket at once, inside the send call: nothing
// can be read here between taking the buffered bytes and the socket leaving. (Were a previous
// socket still unacknowledged, Node would queue the send, the socket would go on reading here in
// the meantime, and those bytes would be lost with it.) So each process gets one connection at
// a time: the next waits for the process's `taken`, which follows Node's own acknowledgement.
// And the socket must have stopped reading here when it leaves: until Node closes this
// process's copy of it, a read here would take bytes meant for the serving process.
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { headReadEnough } from './request-head.js';
import type { HandedConnection } from './serve-process-messages.js';

/** A connection read up to its first request's head, waiting to be handed on. */
export interface ReadConnection {
  socket: Socket;
  head: Buffer;
}

/**
 * Reads a new connection (accepted with pauseOnConnect) until its first request's head is in, or
 * `waitMs` has passed, then pauses it and gives it to `handOn`. A connection that ends or fails
 * before that is closed. While it waits to be handed on, an error closes it.
 */
export function readFirstHead(socket: Socket, waitMs: number, handOn: (read: ReadConnection) => void): void {
  let read: Buffer = Buffer.alloc(0);
  const finish = () => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onGone);
  };
  const onGone = () => {
    finish();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    read = read.length === 0 ? chunk : Buffer.concat([read, chunk]);
    if (headReadEnough(read)) handOnNow();
  };
  const handOnNow = () => {
    finish();
    socket.pause();
    handOn({ socket, head: read });
  };
  const timer = setTimeout(handOnNow, waitMs);
  socket.on('data', onData);
  socket.on('end', onGone);
  // Stays until the socket leaves: a reset while it waits must not be an unhandled error.
  socket.on('error', onGone);
  socket.resume();
}

/** The connections on their way to one serving process, one in flight at a time. */
export class ConnectionHandover {
  private readonly queue: ReadConnection[] = [];
  private inFlight = false;

  constructor(private readonly child: ChildProcess) {}

  hand(connection: ReadConnection): void {
    this.queue.push(connection);
    this.next();
  }

  /** The process reported the last connection taken: the next may go. */
  taken(): void {
    this.inFlight = false;
    this.next();
  }

  /** The process is gone: the connections still waiting for it, to go elsewhere. */
  takeBack(): ReadConnection[] {
    this.inFlight = false;
    return this.queue.splice(0);
  }

  private next(): void {
    while (!this.inFlight && this.queue.length > 0) {
      const { socket, head } = this.queue.shift()!;
      if (socket.destroyed) continue;
      const buffered = socket.read() as Buffer | null;
      const bytes = buffered ? Buffer.concat([head, buffered]) : head;
      stopReading(socket);
      socket.removeAllListeners('error');
      const message: HandedConnection = { bioq: 'connection', bytes: bytes.toString('latin1') };
      this.inFlight = true;
      this.child.send(message, socket, { keepOpen: false }, (err) => {
        if (!err) return;
        socket.destroy();
        this.taken(); // no acknowledgement will come for it
      });
    }
  }
}

// A paused socket still reads into its buffer (and reads again when the stream asks for more),
// and its handle, moved to another process, reads on until it is closed here. Stopping the
// handle's reads leaves every byte after those taken in the kernel for the serving process.
// Node has no public call for it; readStop is what its own streams use.
function stopReading(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: { readStop?: () => number; reading?: boolean } | null })._handle;
  if (!handle) return;
  if (typeof handle.readStop !== 'function') throw new Error('cannot hand a connection on: this Node has no socket handle readStop (src/http/connection-handover.ts)');
  handle.reading = false;
  handle.readStop();
}
