// Latency figures from raw samples: nearest-rank percentiles, so every figure is a latency that
// was really measured (with 30 samples, p99 is the slowest one).

export interface Figures {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function figures(samples: readonly number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export interface Row {
  label: string;
  figures: Figures;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

// A fixed-width table in milliseconds; also valid Markdown, so RESULTS.md can quote it as printed.
export function formatTable(rows: readonly Row[]): string {
  const labelWidth = Math.max(...rows.map((r) => r.label.length), 'measure (ms)'.length);
  const cols = ['n', 'min', 'p50', 'p90', 'p99', 'max'] as const;
  const widths = [5, 7, 7, 7, 7, 7];
  const line = (cells: string[]) => `| ${cells[0]!.padEnd(labelWidth)} | ${cells.slice(1).map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  const out = [
    line(['measure (ms)', ...cols]),
    `|${'-'.repeat(labelWidth + 2)}|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`,
  ];
  for (const { label, figures: f } of rows) {
    out.push(line([label, String(f.n), ms(f.min), ms(f.p50), ms(f.p90), ms(f.p99), ms(f.max)]));
  }
  return out.join('\n');
}
