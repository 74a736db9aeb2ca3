// samtools flagstat and samtools stats are the same kind of tool: one alignments input, one
// samtools subcommand whose text report is the output, and a summary read from that report.
import { z } from 'zod';
import { alignmentsErrors, alignmentsInput, alignmentsParam } from './alignments-input.js';
import { GiB } from './common-options.js';
import { defineTool, type AnyToolDefinition, type OutputReader } from './define-tool.js';
import { samtoolsBinary } from './samtools-kinds.js';

export interface SamtoolsReportSpec {
  name: string;
  title: string;
  description: string;
  /** "flagstat", "stats". */
  subcommand: string;
  /** The progress label of its one step. */
  label: string;
  /** The report's file name. */
  report: string;
  summarize(lines: AsyncIterable<string>): Promise<object>;
}

export function defineSamtoolsReport(spec: SamtoolsReportSpec): AnyToolDefinition {
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    queue: 'align',
    binaries: [samtoolsBinary],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    input: z.strictObject({ alignments: alignmentsParam }),
    inputs: [alignmentsInput],
    errors: alignmentsErrors,
    steps: (_p, ctx) => [{ label: spec.label, pipeline: [['samtools', spec.subcommand, '-@', String(ctx.threads), ctx.input('alignments')]], stdout: spec.report }],
    outputs: () => [{ name: spec.report, mediaType: 'text/plain' }],
    summarize: async (_p, outputs: OutputReader) => ({ ...(await spec.summarize(outputs.lines(spec.report))) }),
    limits: { maxOutputBytes: 1 * GiB },
  });
}
