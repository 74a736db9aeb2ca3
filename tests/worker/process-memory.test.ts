// The memory sampler on this host's real /proc: a process group with a leader, its child, and a
// member reparented away from the leader's tree (a double fork). The walk down the leader's tree
// counts what the full scan of /proc counts, bar the reparented one until a full scan finds it;
// from then on every sample counts it too.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { groupMemory, groupMemorySampler } from '../../worker/process-memory.js';

let group: ChildProcess | undefined;
afterEach(() => {
  if (group?.pid) {
    try {
      process.kill(-group.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

// The group's processes, from a full scan of /proc: pid → parent pid.
function membersOf(pgid: number): Map<number, number> {
  const members = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) members.set(Number(entry), Number(fields[1]));
  }
  return members;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

it('walks the leader\'s tree, and counts a member outside it from the first full scan on', async () => {
  // The leader (sh) waits on one child; the subshell's sleep is reparented once the subshell exits.
  group = spawn('sh', ['-c', 'sleep 30 & (sleep 31 &); wait'], { detached: true, stdio: 'ignore' });
  const pgid = group.pid!;
  await until(() => {
    const members = membersOf(pgid);
    return members.size === 3 && [...members.values()].filter((parent) => parent === pgid).length === 1;
  });
  // A process just started still faults in its pages (a CI run once saw the sum grow by 20 KB
  // between two scans): measure once two scans 50 ms apart agree.
  let everyone = groupMemory([pgid]).total;
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const again = groupMemory([pgid]).total;
    if (again === everyone) break;
    everyone = again;
  }
  const sampler = groupMemorySampler([pgid]);
  const walked = [sampler.sample().total, sampler.sample().total, sampler.sample().total];
  const fullScan = sampler.sample().total;
  const afterScan = sampler.sample().total;

  expect(everyone).toBeGreaterThan(0);
  // The reparented sleep holds memory of its own, so the walk alone counts less.
  for (const total of walked) expect(total).toBeLessThan(everyone);
  expect(walked[0]).toBeGreaterThan(0);
  expect(fullScan).toBe(everyone);
  expect(afterScan).toBe(everyone);
  expect(sampler.sample().byGroup.get(pgid)).toBe(everyone);
});

it('counts nothing for a group that has ended', async () => {
  const ended = spawn('true', [], { detached: true, stdio: 'ignore' });
  await new Promise((r) => ended.once('exit', r));
  const sampler = groupMemorySampler([ended.pid!]);
  for (let i = 0; i < 4; i++) expect(sampler.sample()).toEqual({ total: 0, byGroup: new Map() });
});
