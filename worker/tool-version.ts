// The versions of what ran, for the result (to reproduce the run), asked once per binary. One
// binary: its version ("2.12.0+"); several: each named ("bwa 0.7.17-r1188, samtools 1.16.1").
import { execa } from 'execa';
import type { BinarySpec } from '../tools/define-tool.js';

const cache = new Map<string, Promise<string | null>>();

function binaryVersion(binary: BinarySpec): Promise<string | null> {
  let version = cache.get(binary.name);
  if (!version) {
    version = execa(binary.name, [...binary.versionArgs], { reject: false, timeout: 10_000, all: true, stdin: 'ignore' }).then((r) => {
      const match = binary.versionPattern.exec(String(r.all ?? ''));
      return match ? (match[1] ?? match[0]) : null;
    });
    cache.set(binary.name, version);
  }
  return version;
}

export async function toolVersion(binaries: readonly BinarySpec[]): Promise<string | null> {
  const versions = await Promise.all(binaries.map(binaryVersion));
  if (binaries.length === 1) return versions[0] ?? null;
  const named = binaries.flatMap((b, i) => (versions[i] ? [`${b.name} ${versions[i]}`] : []));
  return named.length > 0 ? named.join(', ') : null;
}
