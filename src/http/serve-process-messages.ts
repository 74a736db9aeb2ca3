// What the primary of `serve --processes N` and its serving processes tell each other over the
// IPC channel. Every message carries `bioq`, so nothing else on the channel is taken for one.

/** Primary → serving process: a connection (the socket rides along) and the bytes read of it. */
export interface HandedConnection {
  bioq: 'connection';
  /** What the primary read: the first request's head and anything after it, latin1 so every byte survives JSON. */
  bytes: string;
}

/** Serving process → primary. */
export type ServingProcessReport =
  /** It takes connections (its app answers, 503 until its runtime has started). */
  | { bioq: 'accepting' }
  /** It has the connection last handed to it: the next may come (connection-handover.ts). */
  | { bioq: 'taken' }
  /** Its runtime has started; `details` are for the primary's ready line (Redis, storage, worker). */
  | { bioq: 'ready'; details: Record<string, unknown> }
  /** An MCP session now lives in this process, or no longer does. */
  | { bioq: 'session'; id: string; open: boolean };

export function isHandedConnection(message: unknown): message is HandedConnection {
  return typeof message === 'object' && message !== null && (message as HandedConnection).bioq === 'connection' && typeof (message as HandedConnection).bytes === 'string';
}

export function isServingProcessReport(message: unknown): message is ServingProcessReport {
  if (typeof message !== 'object' || message === null) return false;
  const report = message as ServingProcessReport;
  if (report.bioq === 'accepting' || report.bioq === 'taken') return true;
  if (report.bioq === 'ready') return typeof report.details === 'object' && report.details !== null;
  return report.bioq === 'session' && typeof report.id === 'string' && typeof report.open === 'boolean';
}

/** Where MCP sessions opened or closed are told, so a session's later connections reach the process that holds it. */
export interface SessionHomeReports {
  opened(id: string): void;
  closed(id: string): void;
}
