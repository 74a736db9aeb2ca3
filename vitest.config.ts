import { defineConfig } from 'vitest/config';
import SlowestFirstSequencer from './tests/support/slowest-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/redis-global-setup.ts'],
    reporters: ['default', './tests/support/count-reporter.ts'],
    // Tests run real tools and a real Redis: give them room, but never retry a flaky one.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    // Each of the two workers runs its files one after another in one process, keeping the
    // modules it has loaded: a fresh process per file spent a quarter of the suite's time
    // loading the same modules again (the MCP SDK, BullMQ, the AWS SDK: about a second of CPU a
    // file). Tests share no state through them: each starts its own server, worker and key
    // prefix, and vitest still resets vi.setConfig and mocks between files.
    isolate: false,
    // The slowest files first, also on a fresh clone with no cached durations (see the file).
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
