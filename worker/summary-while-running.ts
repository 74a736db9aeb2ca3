// The summary of a tool whose outputs are written front to back (its definition's
// summaryWhileRunning) is made while the tool runs, reading the outputs as they grow: a 200,000-
// line BLAST output took a fifth of a second to summarise after the search, all of it time the
// client waited (bench/RESULTS.md, issue 11). It reads the same bytes the tool wrote, so it is the
// summary made afterwards; a run that fails or is run again (memory-retry.ts) drops it.
import type { AnyToolDefinition, InputFacts } from '../tools/define-tool.js';
import { growingOutputReader } from './growing-output-reader.js';

export interface RunningSummary {
  /** The tool's processes have ended well: the summary reads what is left and settles. */
  toolEnded(): void;
  /** The run failed or is dropped: the summary stops reading and is not to be used. */
  abandon(): void;
  readonly summary: Promise<Record<string, unknown>>;
}

export function startSummaryWhileRunning(
  tool: Pick<AnyToolDefinition, 'summarize'>,
  params: Record<string, unknown>,
  workDir: string,
  facts: Readonly<Record<string, InputFacts>>,
): RunningSummary {
  let ended = false;
  let markEnded!: () => void;
  const whenEnded = new Promise<void>((resolve) => (markEnded = resolve));
  const stop = new AbortController();
  const summary = tool.summarize(params, growingOutputReader(workDir, { ended: () => ended, whenEnded, signal: stop.signal }), facts);
  // Awaited only once the tool ended well; an abandoned one's failure is of no interest.
  summary.catch(() => undefined);
  return {
    toolEnded() {
      ended = true;
      markEnded();
    },
    abandon() {
      stop.abort();
      markEnded();
    },
    summary,
  };
}
