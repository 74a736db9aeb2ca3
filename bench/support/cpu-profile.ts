// Sums V8 CPU profiles (node --cpu-prof) by where the code lives: our own folders, each npm
// package, Node's internals, and V8's pseudo-frames (idle, GC, program). Self time only: a
// function's own samples, not its callees'.
import fs from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byOrigin: { origin: string; ms: number }[];
  byFunction: { name: string; ms: number }[];
  /** Each busy sample given to the nearest function of ours on its stack: which of our code the time is spent for. */
  byOurCaller: { name: string; ms: number }[];
}

export function originOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const ours = /\/dist\/((?:src|worker|tools)(?:\/[^/]+(?=\/))?)/.exec(url);
  if (ours) return `ours ${ours[1]}`;
  return url;
}

export async function summarizeCpuProfiles(dir: string): Promise<ProfileSummary> {
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const byOurCaller = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const file of (await fs.readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parents = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
    const nameOf = (frame: ProfileNode['callFrame']) =>
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}` : ''}`.trim();
    const ourCaller = (id: number): string => {
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        const frame = nodes.get(at)!.callFrame;
        if (originOf(frame.url, frame.functionName).startsWith('ours')) return nameOf(frame);
      }
      return `(none of ours) ${originOf(nodes.get(id)!.callFrame.url, nodes.get(id)!.callFrame.functionName)}`;
    };
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const frame = nodes.get(id)!.callFrame;
      const origin = originOf(frame.url, frame.functionName);
      totalMs += ms;
      if (origin === '(idle)') idleMs += ms;
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
      const name = nameOf(frame);
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
      if (origin !== '(idle)') {
        const caller = ourCaller(id);
        byOurCaller.set(caller, (byOurCaller.get(caller) ?? 0) + ms);
      }
    });
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    idleMs,
    byOrigin: sorted(byOrigin).filter(([o]) => o !== '(idle)').map(([origin, ms]) => ({ origin, ms })),
    byFunction: sorted(byFunction).filter(([n]) => !n.startsWith('(idle)')).map(([name, ms]) => ({ name, ms })),
    byOurCaller: sorted(byOurCaller).map(([name, ms]) => ({ name, ms })),
  };
}
