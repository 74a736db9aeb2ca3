// The chaos suite at its small scale (bench/chaos, --small): the built installation — its own
// redis-server with an AOF, two `serve`, three workers — runs about a hundred small real jobs
// from three keys while workers, both servers and Redis are killed and restarted under it. The
// run must end with nothing acknowledged lost, nothing completed or published twice, no tool
// outliving its worker, no file outliving its job, every completed result equal to the tool's
// output by hand, and every fault asked for injected; and it must leave no process or file of
// its own behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { Figures } from '../../bench/chaos/report.js';
import { REPO } from '../support/harness.js';
import { processesWithCwdUnder } from '../support/processes.js';

const CHAOS = path.join(REPO, 'dist', 'bench', 'chaos', 'main.js');

// The figures bench/chaos prints on its CHAOS-FIGURES line.
type ChaosFigures = Figures & { pass: boolean };

describe('chaos suite (small)', () => {
  it('loses, duplicates and leaves behind nothing while workers, serve and Redis are killed', { timeout: 360_000 }, async () => {
    const run = await execa(process.execPath, [CHAOS, '--small'], { cwd: REPO, reject: false, stdin: 'ignore', timeout: 330_000 });
    const report = `${run.stdout}\n--- stderr (tail) ---\n${run.stderr.split('\n').slice(-30).join('\n')}`;
    const line = run.stdout.split('\n').find((l) => l.startsWith('CHAOS-FIGURES '));
    expect(line, report).toBeDefined();
    const figures = JSON.parse(line!.slice('CHAOS-FIGURES '.length)) as ChaosFigures;

    // The faults happened, and the jobs really ran: otherwise the zeros below mean nothing.
    expect(figures.submitted, report).toBe(100);
    expect(figures.acknowledged, report).toBe(100);
    expect(figures.completed, report).toBeGreaterThan(80);
    expect(figures.workerKills, report).toBe(4);
    expect(figures.serveKills, report).toBe(2);
    expect(figures.redisRestarts, report).toBe(1);
    expect(figures.verified, report).toBe(figures.completed);

    expect({ lost: figures.lost, duplicated: figures.duplicated, orphans: figures.orphans, leftovers: figures.leftovers, wrongResults: figures.wrongResults }, report).toEqual({
      lost: 0,
      duplicated: 0,
      orphans: 0,
      leftovers: 0,
      wrongResults: 0,
    });
    expect(run.exitCode, report).toBe(0);

    // Whatever happened, the suite itself cleaned up: no process under its temp dir, no temp dir.
    const root = /^temp dir: (\S+)/m.exec(run.stdout)?.[1];
    expect(root, report).toMatch(/bioq-chaos-/);
    expect(await processesWithCwdUnder(root!)).toEqual([]);
    await expect(fs.stat(root!)).rejects.toThrow(/ENOENT/);
  });
});
