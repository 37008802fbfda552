import { availableParallelism } from 'node:os';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineProject } from 'vitest/config';

/**
 * The console's unit tests, compiled as the console is: `.svelte.ts` classes keep their runes
 * (`$state`, `$derived`), so a test sees a derived value follow the records it reads. Svelte's
 * browser build is used (its server build has no reactivity).
 */
export default defineProject({
  plugins: [svelte()],
  resolve: { conditions: ['browser'] },
  test: {
    name: 'client',
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
