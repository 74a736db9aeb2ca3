// Checks a pipeline whole before anything is queued: the pipeline's own parameters, then each
// step's tool and parameters against that tool's schema, and every `step:<n>/<file>` input
// against the steps before it (an earlier step, and a file its tool declares for those
// parameters). References point backwards only, so the order given is one the steps can run in
// and no cycle can be written. Errors name steps.<i>.parameters.<field>.
import type { z } from 'zod';
import { inputError } from '../errors.js';
import type { AnyToolDefinition } from '../../tools/define-tool.js';
import { parseStepRef, type AnyPipelineDefinition } from '../../tools/define-pipeline.js';
import { findTool } from '../../tools/index.js';

export interface PlannedStep {
  tool: AnyToolDefinition;
  /** Parsed by the tool's schema; inputs may still be `step:<n>/<file>`. */
  params: Record<string, unknown>;
  weight: number;
}

export interface PipelinePlan {
  /** The pipeline's own parameters, parsed. */
  params: Record<string, unknown>;
  steps: PlannedStep[];
}

export function planPipeline(pipeline: AnyPipelineDefinition, raw: unknown): PipelinePlan {
  const parsed = (pipeline.input as z.ZodType).safeParse(raw ?? {});
  if (!parsed.success) throw firstIssue(parsed.error, '');
  const params = { ...(parsed.data as Record<string, unknown>) };
  const steps: PlannedStep[] = [];
  for (const [i, step] of pipeline.steps(params as never).entries()) {
    const at = `steps.${i}`;
    const tool = findTool(step.tool);
    if (!tool) throw inputError(`${at}.tool`, `unknown tool "${step.tool}"; the tools are the catalog's *_async tools without "_async"`);
    const result = (tool.input as z.ZodType).safeParse(step.parameters);
    if (!result.success) throw firstIssue(result.error, `${at}.parameters.`);
    const stepParams = { ...(result.data as Record<string, unknown>) };
    checkStepRefs(tool, stepParams, i, steps, `${at}.parameters`);
    steps.push({ tool, params: stepParams, weight: step.weight ?? 1 });
  }
  return { params, steps };
}

// Each input of step i given as step:<n>/<file>: n an earlier step, file one of its outputs.
function checkStepRefs(tool: AnyToolDefinition, params: Record<string, unknown>, i: number, earlier: readonly PlannedStep[], at: string): void {
  const inputParams = new Set(tool.inputs.map((spec) => spec.param));
  for (const [param, given] of Object.entries(params)) {
    const values = Array.isArray(given) ? given : [given];
    for (const [j, value] of values.entries()) {
      const field = Array.isArray(given) ? `${at}.${param}.${j}` : `${at}.${param}`;
      const ref = parseStepRef(value);
      if (ref === undefined) continue;
      if (!inputParams.has(param)) throw inputError(field, `${tool.name} takes no input file here, so "${String(value)}" cannot be given`);
      if (ref === 'malformed') throw inputError(field, `"${String(value)}" is not a step reference; write step:<n>/<file>, n an earlier step counting from 0`);
      if (ref.step >= i) {
        throw inputError(field, `"${String(value)}" names step ${ref.step}, which is not earlier than this step (${i}): a step can use only the outputs of the steps before it`);
      }
      const source = earlier[ref.step]!;
      const files = source.tool.outputs(source.params).map((o) => o.name);
      if (!files.includes(ref.file)) {
        throw inputError(field, `step ${ref.step} (${source.tool.name}) makes no file "${ref.file}"; it makes ${files.map((f) => `"${f}"`).join(', ')}`);
      }
    }
  }
}

function firstIssue(error: z.ZodError, prefix: string) {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') return inputError(`${prefix}${[...issue.path, issue.keys[0]].join('.')}`, 'not a parameter of this tool');
  const field = issue.path.length > 0 ? `${prefix}${issue.path.join('.')}` : prefix ? prefix.slice(0, -1) : 'parameters';
  return inputError(field, issue.message);
}
