import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Some unit tests run small real programs (the helpers); a loaded machine is slow.
          testTimeout: 30_000,
          // clipanion's ESM build imports a directory, which Node's resolver refuses.
          server: { deps: { inline: ['clipanion'] } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // Each e2e file shares one storage root and pause process; files run one at a time.
          fileParallelism: false,
          // A bound for hangs, not a speed test: tests wait for states with their own bounds,
          // and a loaded machine (npm run test:stress) may be many times slower than an idle one.
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
      {
        // npm run test:stress only (scripts/stress.mjs): the leak soak, under load.
        test: {
          name: 'stress',
          include: ['test/stress/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 60 * 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
