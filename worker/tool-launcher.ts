// What runs a step's processes for the worker (run-pipeline.ts): a launcher starts them, says
// how each ended, and signals them. Two do it: the tool spawner, a small process of the worker's
// own (tool-spawner.ts), and this process itself (in-process-launcher.ts), which tests and a
// worker whose spawner cannot start use. Both start processes the same way (launch-pipeline.ts).
import type { LaunchSpec, ProcessEnd } from './launch-pipeline.js';

export type { LaunchSpec, ProcessEnd };

export interface LaunchedEnd extends ProcessEnd {
  /** The process's end is unknown: its launcher was lost while it ran (its group was killed). */
  lost?: string;
}

export interface LaunchedProcess {
  /** Its pid and its group's id; undefined when it could not be started (its end says why). */
  readonly pid: number | undefined;
  /** Settles once, after it has ended and its stdio has closed; never rejects. */
  readonly ended: Promise<LaunchedEnd>;
  /** A signal to the process itself, while it has not ended. */
  kill(signal: NodeJS.Signals): void;
}

export interface LaunchedRun {
  readonly processes: readonly LaunchedProcess[];
  /** A signal to the process group of each process still running (a shell script's children too). */
  signalGroups(signal: NodeJS.Signals): void;
}

export interface ToolLauncher {
  /**
   * Starts the processes, their pipes joined. By the time a process's end is told, whatever it
   * left running in its group has been killed. Rejects, with nothing left running, if a file
   * cannot be opened or the argv is refused.
   */
  launch(spec: LaunchSpec): Promise<LaunchedRun>;
}
