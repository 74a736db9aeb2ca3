// The roots an MCP client shares (the folders it works in), asked for over stdio when the client
// says it has them: once it is initialized, and again each time it says they changed. Path
// inputs of this session's submissions are then held to them, within the server's input roots
// (src/inputs/client-roots.ts). Kept per server, so each session has its own. Over HTTP a
// client's folders are on another machine and mean nothing here, so nothing is asked.
import { fileURLToPath } from 'node:url';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';

export interface SessionRoots {
  /** The folders of the client's file:// roots; undefined when the client has no roots capability. */
  paths(): Promise<readonly string[] | undefined>;
}

/** No roots: the input roots alone decide (HTTP sessions, in-memory tests). */
export const NO_SESSION_ROOTS: SessionRoots = { paths: async () => undefined };

export function followClientRoots(server: Server, log: Logger): SessionRoots {
  let current: Promise<string[]> | undefined;
  const offered = () => server.getClientCapabilities()?.roots !== undefined;
  const refresh = () => {
    current = server
      .listRoots()
      .then(({ roots }) => roots.flatMap((root) => (root.uri.startsWith('file://') ? [fileURLToPath(root.uri)] : [])))
      // A client that says it has roots but cannot list them shares none: no path inputs, rather than all of them.
      .catch((err: unknown) => {
        log.warn({ err }, 'the MCP client offers roots but roots/list failed: path inputs are refused until it sends notifications/roots/list_changed');
        return [];
      });
    return current;
  };
  server.oninitialized = () => {
    if (offered()) void refresh();
  };
  server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    if (offered()) await refresh();
  });
  return {
    paths: async () => (offered() ? await (current ?? refresh()) : undefined),
  };
}
