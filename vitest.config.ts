import { defineConfig } from 'vitest/config';

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
  },
});
