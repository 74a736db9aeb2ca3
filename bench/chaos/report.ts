// The figures of a chaos run, counted from the clients' outcomes, the audit and the fault log,
// and the verdict: 0 lost, 0 duplicated, 0 orphans, 0 leftovers, every completed result right,
// and every fault asked for injected while jobs ran. Printed as Markdown (RESULTS.md quotes it)
// and as one JSON line a test can read.
import type { LiveProcess } from './proc-scan.js';
import type { LogAudit, Leftover, RedisAudit } from './audit.js';
import type { SubmissionRecord } from './clients.js';
import type { CompletionTally } from './completion-events.js';
import type { FaultLog } from './faults.js';
import type { ChaosSettings } from './settings.js';

export interface Figures {
  submitted: number;
  acknowledged: number;
  completed: number;
  verified: number;
  wrongResults: number;
  failed: number;
  rejected: number;
  unacknowledged: number;
  lost: number;
  duplicated: number;
  orphans: number;
  leftovers: number;
  workerKills: number;
  workerKillsMidTool: number;
  serveKills: number;
  redisRestarts: number;
}

export interface Findings {
  figures: Figures;
  failures: string[];
  lines: string[];
}

export interface ReportInput {
  settings: ChaosSettings;
  records: readonly SubmissionRecord[];
  redis: RedisAudit;
  logs: LogAudit;
  tally: CompletionTally;
  faults: FaultLog;
  finalOrphans: readonly LiveProcess[];
  leftovers: readonly Leftover[];
}

function grouped(items: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${n} × ${what}`);
}

const list = (items: readonly string[], max = 10) => [...items.slice(0, max), ...(items.length > max ? [`… and ${items.length - max} more`] : [])].map((i) => `  - ${i}`);

export function assess(input: ReportInput): Findings {
  const { settings, records, redis, logs, tally, faults } = input;
  const lines: string[] = [];
  const failures: string[] = [];
  const sent = records.filter((r) => r.sent);
  const acked = records.filter((r) => r.jobId !== undefined);
  const of = (kind: string) => records.filter((r) => r.outcome?.kind === kind);
  const completed = of('completed');
  const wrong = completed.filter((r) => r.outcome?.kind === 'completed' && r.outcome.wrong !== undefined);
  const failed = [...of('failed'), ...of('cancelled')];

  // Lost: acknowledged, and then unknown to the server, never finished, or gone from Redis.
  const lost = acked.filter((r) => {
    const stored = redis.jobs.get(r.jobId!);
    return r.outcome?.kind === 'unknown' || r.outcome?.kind === 'unfinished' || stored === undefined || stored.state === 'missing';
  });

  // Duplicated: a job completed or published more than once, or a submission that made two jobs.
  const twiceCompleted = [...tally.completed].filter(([, n]) => n > 1).map(([id, n]) => `${id}: ${n} completed events`);
  const twicePublished = [...logs.publications].filter(([, by]) => by.length > 1).map(([id, by]) => `${id}: results stored ${by.length} times (by ${by.join('; ')})`);
  const byId = new Set([...twiceCompleted, ...twicePublished].map((d) => d.split(':')[0]!));
  const twoJobs: string[] = [];
  const phantoms: string[] = [];
  const ackByMarker = new Map(records.map((r) => [r.submission.marker, r]));
  for (const [marker, ids] of redis.byMarker) {
    const record = ackByMarker.get(marker);
    if (ids.length > 1) twoJobs.push(`${marker} (acknowledged as ${record?.jobId ?? 'nothing'}): jobs ${ids.join(', ')}`);
    else if (record?.jobId === undefined) phantoms.push(`${marker}: job ${ids[0]} made, never acknowledged`);
  }
  const duplicated = byId.size + twoJobs.length;

  const killOrphans = faults.workerKills.flatMap((k) => k.orphans.map((o) => `pid ${o.pid} \`${o.cmd.slice(0, 120)}\` alive ${settings.orphanGraceMs} ms after its worker (pid ${k.pid}) was SIGKILLed`));
  const endOrphans = input.finalOrphans.map((o) => `pid ${o.pid} \`${o.cmd.slice(0, 120)}\` alive after every job ended (cwd ${o.cwd})`);
  const orphanPids = new Set([...faults.workerKills.flatMap((k) => k.orphans.map((o) => o.pid)), ...input.finalOrphans.map((o) => o.pid)]);

  const figures: Figures = {
    submitted: sent.length,
    acknowledged: acked.length,
    completed: completed.length,
    verified: completed.length - wrong.length,
    wrongResults: wrong.length,
    failed: failed.length,
    rejected: of('rejected').length,
    unacknowledged: of('unacknowledged').filter((r) => r.sent).length,
    lost: lost.length,
    duplicated,
    orphans: orphanPids.size,
    leftovers: input.leftovers.length,
    workerKills: faults.workerKills.length,
    workerKillsMidTool: faults.workerKills.filter((k) => k.hit !== 'no tool').length,
    serveKills: faults.serveKills.length,
    redisRestarts: faults.redisRestarts.length,
  };

  const row = (label: string, value: number, required = '') => `| ${label.padEnd(52)} | ${String(value).padStart(6)} | ${required.padEnd(14)} |`;
  lines.push(
    `| ${'figure'.padEnd(52)} | ${'value'.padStart(6)} | ${'required'.padEnd(14)} |`,
    `|${'-'.repeat(54)}|${'-'.repeat(7)}:|${'-'.repeat(16)}|`,
    row('submitted', figures.submitted, `${settings.jobs}`),
    row('acknowledged (a job id came back)', figures.acknowledged),
    row('completed', figures.completed),
    row('  of which verified against the tool by hand', figures.verified, '= completed'),
    row('failed (job ended failed or cancelled)', figures.failed),
    row('rejected (4xx on submit)', figures.rejected),
    row('unacknowledged (no job id by the deadline)', figures.unacknowledged),
    row('lost (acknowledged, then unknown or never finished)', figures.lost, '0'),
    row('duplicated', figures.duplicated, '0'),
    row('orphaned tool processes', figures.orphans, '0'),
    row('leftover files', figures.leftovers, '0'),
    row('worker SIGKILLs (restarted)', figures.workerKills, `${settings.workerKills}`),
    row('  of which while a tool ran', figures.workerKillsMidTool),
    row('serve SIGKILLs (restarted)', figures.serveKills, `${settings.serveKills}`),
    row('Redis restarts (SHUTDOWN, same AOF)', figures.redisRestarts, `${settings.redisRestarts}`),
    '',
  );

  const section = (title: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`${title}:`, ...list(items), '');
  };
  section('failed, by reason', grouped(failed.map((r) => (r.outcome as { reason: string }).reason.slice(0, 240))));
  section('rejected submissions, by answer', grouped(of('rejected').map((r) => (r.outcome as { reason: string }).reason)));
  section('wrong results', wrong.map((r) => `${r.jobId} (${r.submission.kind}): ${(r.outcome as { wrong: string }).wrong}`));
  section('lost', lost.map((r) => `${r.jobId} (${r.submission.kind}): ${r.outcome?.kind === 'unfinished' ? `unfinished: ${r.outcome.lastStatus}` : r.outcome?.kind ?? 'no outcome'}; in Redis: ${redis.jobs.get(r.jobId!)?.state ?? 'not in the index'}`));
  section('duplicated: completed more than once', twiceCompleted);
  section('duplicated: results stored more than once', twicePublished);
  section('duplicated: two jobs for one submission (one idempotency key)', twoJobs);
  section('jobs made for a submission that was never acknowledged (not duplicates)', phantoms);
  section('orphaned processes', [...killOrphans, ...endOrphans]);
  section('leftover files, by area', grouped(input.leftovers.map((l) => l.area)));
  section('leftover files (first ones)', input.leftovers.map((l) => l.path));
  section('lines logged at error level', [...logs.errors].map(([role, e]) => `${role}: ${e.count} (${e.examples.join(' | ')})`));

  if (figures.submitted < settings.jobs) failures.push(`only ${figures.submitted} of ${settings.jobs} submissions were sent before the deadline`);
  if (figures.completed === 0) failures.push('no job completed: the run measured nothing');
  if (figures.lost > 0) failures.push(`${figures.lost} acknowledged submissions lost`);
  if (figures.duplicated > 0) failures.push(`${figures.duplicated} duplicated`);
  if (figures.orphans > 0) failures.push(`${figures.orphans} orphaned tool processes`);
  if (figures.leftovers > 0) failures.push(`${figures.leftovers} leftover files`);
  if (figures.wrongResults > 0) failures.push(`${figures.wrongResults} completed jobs with wrong results`);
  if (figures.workerKills < settings.workerKills || figures.serveKills < settings.serveKills || figures.redisRestarts < settings.redisRestarts) {
    failures.push(`faults injected fell short: ${figures.workerKills}/${settings.workerKills} worker kills, ${figures.serveKills}/${settings.serveKills} serve kills, ${figures.redisRestarts}/${settings.redisRestarts} Redis restarts`);
  }
  if (tally.read < tally.added) failures.push(`the completion tally read ${tally.read} of ${tally.added} stream entries: some were trimmed before they were read`);
  return { figures, failures, lines };
}
