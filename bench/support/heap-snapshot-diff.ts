// What a measured heap growth is made of: two V8 heap snapshots of one process, and the objects
// of the second that the first did not have (V8 keeps an object's id from snapshot to snapshot),
// summed by kind and constructor. Both are parsed only after both are taken, so the parse itself
// is not among the new objects.
import fs from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  /** V8's node type and, for objects and closures, the constructor or function name. */
  kind: string;
  count: number;
  bytes: number;
}

/** Writes a snapshot into `dir` after the caller's own collections; returns its path. */
export function writeSnapshot(dir: string, name: string): string {
  return v8.writeHeapSnapshot(path.join(dir, `${name}.heapsnapshot`));
}

async function readNodes(file: string): Promise<{ ids: Set<number>; nodes: { id: number; kind: string; bytes: number }[] }> {
  const raw = JSON.parse(await fs.readFile(file, 'utf8')) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const [type, name, id, size] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number, number];
  const ids = new Set<number>();
  const nodes: { id: number; kind: string; bytes: number }[] = [];
  for (let i = 0; i < raw.nodes.length; i += fields.length) {
    const kindName = types[raw.nodes[i + type]!]!;
    // Strings are named by their content: grouped by kind alone.
    const named = kindName === 'object' || kindName === 'closure' || kindName === 'native';
    nodes.push({ id: raw.nodes[i + id]!, kind: named ? `${kindName} ${raw.strings[raw.nodes[i + name]!]!.slice(0, 60)}` : kindName, bytes: raw.nodes[i + size]! });
    ids.add(raw.nodes[i + id]!);
  }
  return { ids, nodes };
}

/** The objects in `after` not in `before`, by kind, largest first. */
export async function newObjects(before: string, after: string): Promise<HeapGroup[]> {
  const { ids } = await readNodes(before);
  const { nodes } = await readNodes(after);
  const groups = new Map<string, HeapGroup>();
  for (const node of nodes) {
    if (ids.has(node.id)) continue;
    const group = groups.get(node.kind) ?? { kind: node.kind, count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += node.bytes;
    groups.set(node.kind, group);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}
