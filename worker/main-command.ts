// The command a result names as the job's own: the first process of the tool's main binary,
// not a step that only prepares for it (indexing an input, checking a parameter), which may run
// first. A definition whose steps never run its main binary names its first process.
import type { Argv, Step } from '../tools/define-tool.js';

export function mainCommand(steps: readonly Step[], mainBinary: string): Argv {
  for (const step of steps) for (const argv of step.pipeline) if (argv[0] === mainBinary) return argv;
  return steps[0]!.pipeline[0]!;
}
