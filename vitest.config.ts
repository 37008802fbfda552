import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Unit and integration files run side by side: each integration file is isolated (servers on
 * port 0, its own temp dirs, PostgreSQL schemas and Redis key prefixes), and most of their time is
 * spent waiting on sockets, timers and child processes, so even a 2-core machine runs two at once
 * (vitest's default there is one). Both projects share the first group, hence one figure.
 */
const nodeWorkers = Math.max(2, availableParallelism() - 1);

/**
 * Integration and browser files share their worker's modules (`isolate: false`): each such file
 * imports the whole server (Fastify, socket.io, Yjs, turf, the storage drivers), which cost about
 * a second per file when every file had a fresh module graph. They can share: every file makes its
 * own servers, stores and clients, and none mocks a module or changes the environment. Unit
 * tests stay isolated, as some mock modules (`vi.mock`).
 */
const shareModules = { isolate: false } as const;

/** Rebuilds `server/dist` when stale, for the files that spawn the built server. */
const serverBuild = 'test/server-build.global.ts';

/** One runner for every package: unit tests beside their code, cross-package tests in test/. */
export default defineConfig({
  test: {
    projects: [
      // The console's own: compiled with Svelte (client/vitest.config.ts).
      'client/vitest.config.ts',
      {
        test: {
          name: 'unit',
          include: ['shared/src/**/*.test.ts', 'server/src/**/*.test.ts'],
          testTimeout: 20_000,
          maxWorkers: nodeWorkers,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'test/{sync,security,api,live,tasks,alerts,storage,release,interop,replay,cluster,faults,cot}/**/*.test.ts',
          ],
          // Many start servers as child processes (the production build), kill and restart them:
          // 15–25 s alone, and up to three times that on a loaded 2-core machine.
          globalSetup: [serverBuild],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: nodeWorkers,
          ...shareModules,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // `pnpm test:only` (scripts/test-all.mjs) runs these in a vitest process of their own beside
          // the node files; `vitest run` alone runs them after the node files (a group of their own).
          // One browser file at a time. Every file runs
          // its own servers on port 0 and its own browser contexts (in one Chromium), and renders
          // the map in software (SwiftShader): two at once kept a slower 2-core machine at a load
          // average of 12, where a fix took over 2.5 s to reach its marker and a four-page test
          // over 2 minutes.
          sequence: { groupOrder: 1 },
          globalSetup: [serverBuild],
          maxWorkers: 1,
          // One Chromium process for the worker, a lease per test (test/helpers/browser.ts).
          env: { JOINTMAP_SHARED_BROWSER: '1' },
          ...shareModules,
        },
      },
    ],
  },
});
