import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-fix.ts'],
          globalSetup: ['test/support/provision-packages.ts'],
          // Projects with different maxWorkers need their own sequence group (vitest 4); unit tests run first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-fix.ts'],
          globalSetup: ['test/support/provision-packages.ts', 'test/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Tests share one broker on a 2-core machine; two files at a time keeps timings sane.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/kafkajs-fix.ts'],
          globalSetup: ['test/support/provision-packages.ts'],
          // Its own broker (it stops and starts it) and 2-3 service processes: alone, after the others.
          testTimeout: 600_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
    // `npm run coverage`: the service's own code. cmd/ entry points run as child processes in the
    // tests (as the image runs them), which in-process v8 coverage does not see; see CONTRIBUTING.md "Coverage".
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'cmd/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'text'],
      reportsDirectory: '.local/coverage',
      reportOnFailure: true,
    },
  },
});
