// A job's result as a person reads it at the terminal: the outcome, the tool's summary (its
// scalars as "name: value", its lists of records as tables), the command that ran, and each file
// with its size, checksum and link. `--json` prints the result itself instead.
import type { JobResult, JobStatus, Submission } from '../../jobs/job-model.js';
import { formatBytes, formatSeconds, renderTable } from './text-table.js';

export function submissionLine(s: Submission): string {
  const where = `${s.tool} on the ${s.queue} queue, priority ${s.priority}`;
  return s.status === 'queued' ? `Job ${s.job_id} queued (${where}).` : `Job ${s.job_id} ${s.status} (${where}; submitted before with this idempotency key).`;
}

export function statusLines(s: JobStatus): string {
  const lines = [`Job ${s.job_id} (${s.tool}): ${s.status}`];
  if (s.status === 'queued') lines.push(`  ${s.progress.message}${s.queue_position !== null ? ` (position ${s.queue_position} in its queue)` : ''}`);
  if (s.status === 'running') lines.push(`  ${Math.round(s.progress.percent)}% ${s.progress.message}${s.eta_seconds !== null ? `, about ${formatSeconds(s.eta_seconds)} left` : ''}`);
  for (const step of s.steps ?? []) lines.push(`  step ${step.step} ${step.tool}: ${step.status} ${Math.round(step.percent)}% (${step.job_id})`);
  lines.push(`  submitted ${s.submitted_at}${s.started_at ? `, started ${s.started_at}` : ''}${s.finished_at ? `, finished ${s.finished_at}` : ''}`);
  if (s.error) lines.push(`  error (${s.error.code}): ${s.error.message}`);
  return lines.join('\n');
}

export function resultLines(r: JobResult): string {
  if (r.status !== 'completed') {
    const lines = [`Job ${r.job_id} (${r.tool}) is ${r.status}${r.error ? `: ${r.error.message}` : ''}`];
    if (r.error?.stderr_tail) lines.push(`stderr:\n${indent(r.error.stderr_tail.trimEnd(), 2)}`);
    return lines.join('\n');
  }
  const lines = [`Job ${r.job_id} (${r.tool}) completed in ${r.runtime_seconds} s${r.tool_version ? ` (${r.tool_version})` : ''}.`];
  for (const note of r.notes) lines.push(`Note: ${note}`);
  if (r.summary) lines.push('Summary:', indent(renderValue(r.summary), 2));
  if (r.command) lines.push(`Command: ${r.command.join(' ')}`);
  if (r.files.length > 0) lines.push('Files:');
  for (const f of r.files) {
    lines.push(`  ${f.name}  ${formatBytes(f.size_bytes)}  sha256 ${f.sha256}${f.intermediate ? '  (intermediate)' : ''}`);
    lines.push(`    ${f.url}${f.expires_at ? `  (until ${f.expires_at})` : ''}`);
  }
  return lines.join('\n');
}

// An object's scalars as "name: value", nested objects indented under their name, a list of
// flat records of the same fields (BLAST's top hits) as a table, other records (a pipeline's
// steps) one after another, a list of scalars on one line.
function renderValue(value: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (Array.isArray(v) && v.length > 0 && v.every(isRecord)) {
      const columns = Object.keys(v[0]!);
      const flat = v.every((row) => Object.keys(row).join() === columns.join() && Object.values(row).every((x) => !isRecord(x) && !(Array.isArray(x) && x.some((y) => typeof y === 'object' && y !== null))));
      if (flat) lines.push(`${key}:`, indent(renderTable(columns, v.map((row) => columns.map((c) => cell(row[c])))), 2));
      else for (const [i, row] of v.entries()) lines.push(`${key}[${i}]:`, indent(renderValue(row), 2));
    } else if (Array.isArray(v)) {
      lines.push(`${key}: ${v.length === 0 ? '(none)' : v.map((x) => String(cell(x))).join(', ')}`);
    } else if (isRecord(v)) {
      lines.push(`${key}:`, indent(renderValue(v), 2));
    } else {
      lines.push(`${key}: ${String(cell(v))}`);
    }
  }
  return lines.join('\n');
}

function cell(v: unknown): string | number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.join(',');
  if (v === null || v === undefined) return '-';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : line))
    .join('\n');
}
