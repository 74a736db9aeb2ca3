// The shape of a pipeline: several catalog tools run one after another as one job, each step's
// parameters made from the pipeline's own. A step names an earlier step's output file as
// `step:<n>/<file>` (n counts from 0, as the steps list does) wherever a tool takes an input, and
// refers only backwards, so the steps are already in an order they can run in and a cycle cannot
// be written. Like a tool definition this is data plus pure functions, imported only with zod.
import type { z } from 'zod';
import type { ToolAnnotations } from './define-tool.js';

/** The queue of pipeline jobs themselves: light work (assembling the steps' results), served by every worker. */
export const PIPELINE_QUEUE = 'pipeline';

/** One step as a pipeline plans it: a catalog tool and its parameters, before they are checked. */
export interface PipelineStep {
  tool: string;
  parameters: Record<string, unknown>;
  /** Share of the pipeline's run time for progress: steps weigh what they are expected to take (default 1). */
  weight?: number;
}

export interface PipelineDefinition<Schema extends z.ZodObject = z.ZodObject> {
  /** The MCP tool is `<name>_async`, the REST job_type `<name>`. */
  name: string;
  title: string;
  /** Written for an AI assistant, as a tool's is. */
  description: string;
  annotations: ToolAnnotations;
  input: Schema;
  /** The steps for these parameters, in the order they run. */
  steps(params: z.output<Schema>): PipelineStep[];
}

export type AnyPipelineDefinition = PipelineDefinition<z.ZodObject>;

// Identity with type inference, as defineTool.
export function definePipeline<Schema extends z.ZodObject>(definition: PipelineDefinition<Schema>): AnyPipelineDefinition {
  return definition as unknown as AnyPipelineDefinition;
}

/** `step:<n>/<file>`: an earlier step's output file given as an input. */
export const STEP_REF = /^step:(\d+)\/([^/\s]+)$/;

export function stepRef(step: number, file: string): string {
  return `step:${step}/${file}`;
}

/** The step and file a value names, undefined when it does not look like a step reference at all. */
export function parseStepRef(value: unknown): { step: number; file: string } | 'malformed' | undefined {
  if (typeof value !== 'string' || !/^step:/i.test(value)) return undefined;
  const match = STEP_REF.exec(value);
  return match ? { step: Number(match[1]), file: match[2]! } : 'malformed';
}
