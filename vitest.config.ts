import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/helpers/setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['test/**/*.test.ts'],
          exclude: ['test/fleet/**', 'test/cluster/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Multi-process fleets and the Redis Cluster start many processes and measure timing
        // bounds: they run after the rest, one file at a time, so they never compete for the 2 cores.
        extends: true,
        test: {
          name: 'fleet',
          include: ['test/fleet/**/*.test.ts', 'test/cluster/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
