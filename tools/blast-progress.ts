// Progress of a BLAST search, read from its output file: BLAST+ writes results batch by batch
// in query order, so the furthest query seen so far tells how many queries are finished
// (queries without hits never appear, which is why "furthest" beats "how many distinct").
import type { ProgressTracker } from './define-tool.js';
import type { OutputFormat } from './blast-options.js';

// Each format names the query on a line of its own; capture the query's first word.
const QUERY_PATTERNS: Record<OutputFormat, RegExp> = {
  tabular: /^([^\t\n]+)\t/gm,
  json: /^\s*"query_title": "([^"\s\\]+)/gm,
  xml: /^\s*<Iteration_query-def>([^<\s]+)/gm,
};

export function createQueryOrderTracker(format: OutputFormat, recordIds: readonly string[]): ProgressTracker {
  const position = new Map<string, number>();
  recordIds.forEach((id, i) => {
    if (!position.has(id)) position.set(id, i + 1);
  });
  const seen = new Set<string>();
  let furthest = 0;
  let carry = '';
  return {
    feed(chunk: string) {
      const text = carry + chunk;
      const lastNewline = text.lastIndexOf('\n');
      // Keep an unfinished last line for the next chunk.
      carry = lastNewline === -1 ? text : text.slice(lastNewline + 1);
      const complete = lastNewline === -1 ? '' : text.slice(0, lastNewline + 1);
      for (const match of complete.matchAll(QUERY_PATTERNS[format])) {
        const id = match[1]!;
        seen.add(id);
        furthest = Math.max(furthest, position.get(id) ?? 0);
      }
    },
    done() {
      // Ids BLAST rewrote (e.g. "gi|1|ref|X|" queries) are not in the map: count them instead.
      return Math.min(recordIds.length, Math.max(furthest, seen.size));
    },
  };
}
