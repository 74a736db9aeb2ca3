// The tool's version for the result (what ran, to reproduce it), asked once per binary.
import { execa } from 'execa';
import type { AnyToolDefinition } from '../tools/define-tool.js';

const cache = new Map<string, Promise<string | null>>();

export function toolVersion(tool: AnyToolDefinition): Promise<string | null> {
  let version = cache.get(tool.binary);
  if (!version) {
    version = execa(tool.binary, [...tool.versionArgs], { reject: false, timeout: 10_000, all: true }).then((r) => {
      const match = tool.versionPattern.exec(String(r.all ?? ''));
      return match ? (match[1] ?? match[0]) : null;
    });
    cache.set(tool.binary, version);
  }
  return version;
}
