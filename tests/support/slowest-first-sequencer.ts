// Starts the slowest test files first. Vitest orders files by the durations of the last run it
// cached, but CI runs on a fresh clone with no cache, where it falls back to file size, largest
// first: the chaos run, a short file taking a minute, then starts last and runs alone at the end
// while the other worker has nothing left to do. Listed here are the files that took longest
// (a run of `npx vitest run --reporter=json`); the rest keep vitest's own order after them.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Slowest first, as measured; a file not listed (or renamed) only loses its head start. */
export const SLOWEST_FILES: readonly string[] = [
  'tests/worker/split-search-merge.test.ts',
  'tests/tools/fastp.test.ts',
  'tests/chaos/chaos-small.test.ts',
  'tests/worker/pipeline-progress-cancel.test.ts',
  'tests/tools/blast-formats.test.ts',
  'tests/cli/client-local.test.ts',
  'tests/worker/drain-and-retry.test.ts',
  'tests/pipelines/worker-killed-in-a-step.test.ts',
  'tests/pipelines/pipeline-rest.test.ts',
  'tests/worker/resource-limits.test.ts',
  'tests/pipelines/pipeline-retention.test.ts',
  'tests/mcp/shutdown-without-redis.test.ts',
  'tests/tools/mafft.test.ts',
  'tests/tools/hmmscan.test.ts',
  'tests/storage/s3-streaming-memory.test.ts',
  'tests/worker/owner-cap.test.ts',
  'tests/tools/blast-summary-while-running.test.ts',
  'tests/mcp/stdio-private-redis.test.ts',
  'tests/cli/client-over-s3.test.ts',
  'tests/pipelines/pipeline-failures.test.ts',
];

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const relative = (file: TestSpecification) => path.relative(this.ctx.config.root, file.moduleId).split(path.sep).join('/');
    // With every file's last duration cached, vitest's order (longest first) is already right.
    if (files.every((file) => this.ctx.cache.getFileTestResults(`${file.project.name}:${relative(file)}`))) return sorted;
    const rank = (file: TestSpecification) => {
      const at = SLOWEST_FILES.indexOf(relative(file));
      return at === -1 ? SLOWEST_FILES.length : at;
    };
    // Array sort is stable: unlisted files keep the base order among themselves.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
