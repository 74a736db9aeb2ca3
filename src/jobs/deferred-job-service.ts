// The JobService of a runtime that is still starting. The stdio server answers MCP `initialize`
// before it has loaded BullMQ, connected to Redis and started its worker (most of a start, which
// a desktop client would otherwise wait for at every launch); a call that needs jobs meanwhile
// waits here for the service, and fails with the start's own error if the start fails.
// Imports types only: loading this file must not load what it defers.
import type { JobService, JobsApi } from './job-service.js';

/** What the registrations ask synchronously, known from the configuration before the start ends. */
export interface KnownBeforeStart {
  canUpload: boolean;
  servesFiles: boolean;
}

export function deferredJobService(starting: Promise<JobService>, known: KnownBeforeStart): JobsApi {
  // The start's failure is reported by whoever started it (the command exits with its message);
  // here it only fails the calls that were waiting, so a start nobody called into is not also an
  // unhandled rejection.
  starting.catch(() => undefined);
  const ready = () => starting;
  return {
    canUpload: known.canUpload,
    servesFiles: known.servesFiles,
    submit: async (...args) => (await ready()).submit(...args),
    close: async () => (await ready()).close(),
    disconnect: async () => (await ready()).disconnect(),
    createUpload: async (...args) => (await ready()).createUpload(...args),
    openFileDownload: async (...args) => (await ready()).openFileDownload(...args),
    receiveFileUpload: async (...args) => (await ready()).receiveFileUpload(...args),
    status: async (...args) => (await ready()).status(...args),
    result: async (...args) => (await ready()).result(...args),
    wait: async (...args) => (await ready()).wait(...args),
    watch: async (...args) => (await ready()).watch(...args),
    cancel: async (...args) => (await ready()).cancel(...args),
    list: async (...args) => (await ready()).list(...args),
    databases: async () => (await ready()).databases(),
    stats: async () => (await ready()).stats(),
    workers: async () => (await ready()).workers(),
    shutdownWorker: async (...args) => (await ready()).shutdownWorker(...args),
    metrics: async () => (await ready()).metrics(),
    health: async () => (await ready()).health(),
    readFile: async (...args) => (await ready()).readFile(...args),
  };
}
