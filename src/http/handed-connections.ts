// The serving side of `serve --processes N`: connections come over the IPC channel from the
// primary, which listens and has already read the first request's head (to route by session),
// instead of from a listening socket of this process's own. The bytes the primary read are given
// to the HTTP server as the socket's first data, before anything the socket reads itself.
import type http from 'node:http';
import { Socket } from 'node:net';
import { isHandedConnection, type ServingProcessReport, type SessionHomeReports } from './serve-process-messages.js';

/**
 * Feeds the connections the primary hands over to `server`, which never listens itself.
 * Returns a function that stops taking them (the server is closing): any handed later is closed.
 */
export function takeHandedConnections(server: http.Server): () => void {
  // Node's HTTP server starts tracking its connections (closeAllConnections, the headers and
  // request timeouts) when it emits 'listening'; one fed connections by hand emits it itself.
  server.emit('listening');
  let taking = true;
  const onMessage = (message: unknown, socket: unknown) => {
    if (!isHandedConnection(message)) return;
    // Node has already acknowledged the socket: the primary may send the next (connection-handover.ts).
    reportToPrimary({ bioq: 'taken' });
    if (!(socket instanceof Socket)) return;
    if (!taking) {
      socket.destroy();
      return;
    }
    server.emit('connection', socket);
    if (message.bytes.length > 0) socket.emit('data', Buffer.from(message.bytes, 'latin1'));
    socket.resume();
  };
  process.on('message', onMessage);
  return () => {
    taking = false;
  };
}

/** Tells the primary (this process's parent) about itself. Lost if the channel is gone: the primary is then gone too. */
export function reportToPrimary(report: ServingProcessReport): void {
  if (process.connected) process.send?.(report, undefined, {}, () => undefined);
}

/** The session reports of a serving process: to the primary, for its routing. */
export function sessionHomesOfPrimary(): SessionHomeReports {
  return {
    opened: (id) => reportToPrimary({ bioq: 'session', id, open: true }),
    closed: (id) => reportToPrimary({ bioq: 'session', id, open: false }),
  };
}
