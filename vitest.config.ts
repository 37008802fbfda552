import { defineConfig } from 'vitest/config';

/** One runner for every package: unit tests beside their code, cross-package tests in test/. */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts', 'client/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'test/{sync,security,api,live,tasks,alerts,storage,release,interop,replay,cluster,faults,cot}/**/*.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file drives a real Chromium; two at once saturate a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
