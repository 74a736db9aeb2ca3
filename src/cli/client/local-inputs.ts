// Files named on the command line for a tool's input parameters (--query reads.fa): read on this
// machine, so a relative path means the current folder. The client turns each into what the
// queue can read (job-client.ts localInput: an absolute path locally, an upload for a server).
// Anything else a parameter may hold — a URL, upload://, job://, step:, inline FASTA — is left as is.
import fs from 'node:fs/promises';
import type { SubmittableDefinition } from '../../mcp/catalog-tools.js';
import { findTool } from '../../../tools/index.js';
import type { AnyToolDefinition } from '../../../tools/define-tool.js';
import type { AnyPipelineDefinition } from '../../../tools/define-pipeline.js';

/** The parameters that name input files: a tool's declared inputs; a pipeline's, those it hands to a step's inputs. */
export function inputParams(definition: SubmittableDefinition): Set<string> {
  if ('inputs' in definition) return new Set((definition as AnyToolDefinition).inputs.map((spec) => spec.param));
  const pipeline = definition as AnyPipelineDefinition;
  // Each parameter given a marker of its own: the markers that reach a step's input parameter name the pipeline's inputs.
  const shape = (pipeline.input as unknown as { shape: Record<string, unknown> }).shape;
  const markers = Object.fromEntries(Object.keys(shape).map((param) => [param, `\u0000${param}`]));
  const found = new Set<string>();
  try {
    for (const step of pipeline.steps(markers as never)) {
      const tool = findTool(step.tool);
      for (const spec of tool?.inputs ?? []) {
        const value = step.parameters[spec.param];
        for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && v.startsWith('\u0000')) found.add(v.slice(1));
      }
    }
  } catch {
    // A pipeline whose steps need real values (run_pipeline's list): its inputs are inside that list, given as written.
  }
  return found;
}

const NOT_A_PATH = /^([a-z][a-z0-9+.-]*:\/\/|step:|[>@])/i;

/** The value when it names a regular file on this machine, else undefined. */
export async function localFile(value: unknown): Promise<string | undefined> {
  if (typeof value !== 'string' || value.includes('\n') || NOT_A_PATH.test(value)) return undefined;
  const stat = await fs.stat(value).catch(() => undefined);
  return stat?.isFile() ? value : undefined;
}
