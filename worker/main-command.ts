// The command a result names as the job's own: the step a definition marks primary (samtools
// view after the samtools index it needed), else the first process of the tool's main binary,
// not a step that only prepares for it (indexing an input, checking a parameter), which may run
// first. A definition whose steps never run its main binary names its first process.
import type { Argv, Step } from '../tools/define-tool.js';

export function mainCommand(steps: readonly Step[], mainBinary: string): Argv {
  const primary = steps.find((step) => step.primary);
  if (primary) return primary.pipeline[0]!;
  for (const step of steps) for (const argv of step.pipeline) if (argv[0] === mainBinary) return argv;
  return steps[0]!.pipeline[0]!;
}
