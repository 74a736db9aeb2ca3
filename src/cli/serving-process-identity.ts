// Which serving process of `serve --processes N` this is, as its primary (serve-processes.ts)
// tells it in its environment. Kept apart from serving-process.ts so the primary, which only
// sets it, does not load the HTTP stack it never runs.

/** Set by the primary in each serving process's environment: which one it is and where clients reach it. */
export const SERVING_PROCESS_ENV = 'BIOQ_SERVING_PROCESS';

export interface ServingProcessIdentity {
  index: number;
  /** The primary's listening address. */
  url: string;
  embeddedWorker: boolean;
}

/** This process's identity if the primary started it (the variable is set and the IPC channel is open). */
export function servingProcessIdentity(env: NodeJS.ProcessEnv): ServingProcessIdentity | undefined {
  const value = env[SERVING_PROCESS_ENV];
  if (value === undefined || process.send === undefined) return undefined;
  return JSON.parse(value) as ServingProcessIdentity;
}
