// @ts-check
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import svelte from 'eslint-plugin-svelte';
import svelteConfig from './client/svelte.config.js';

/** Server and client depend only on shared. */
const ONLY_SHARED = {
  group: [
    '@jointmap/server',
    '@jointmap/server/*',
    '@jointmap/client',
    '@jointmap/client/*',
    '@jointmap/test',
    '@jointmap/test/*',
  ],
  message: 'server and client depend only on shared',
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'data/**', '**/*.d.ts'],
  },
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    // Components and rune modules: svelte-eslint-parser, with the TypeScript parser for <script lang="ts">.
    files: ['client/**/*.svelte', 'client/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    // State classes keep plain collections and publish changes through createSubscriber versions
    // (CONVENTIONS, Client); the rule flags every Map/Set inside an exported class, even read-only ones.
    files: ['client/**/*.svelte.ts'],
    rules: { 'svelte/prefer-svelte-reactivity': 'off' },
  },
  {
    files: ['**/*.ts', 'client/**/*.svelte'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          noWarnOnMultipleProjects: true,
          project: ['shared/tsconfig.test.json', 'server/tsconfig.json', 'test/tsconfig.json'],
        }),
      ],
    },
    rules: {
      // Import cycles make module initialisation order fragile; the layers point one way.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // shared/ is pure: no IO, no DOM, no transport or map libraries (DESIGN §2, CONVENTIONS).
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'http',
                'https',
                'net',
                'crypto',
                'child_process',
                'os',
                'worker_threads',
              ],
              message: 'shared/ does no IO',
            },
            {
              group: [
                'socket.io',
                'socket.io-client',
                'ws',
                'maplibre-gl',
                'y-websocket',
                'y-indexeddb',
                'better-sqlite3',
                'pg',
                'redis',
                'fastify',
                '@fastify/*',
              ],
              message: 'shared/ is transport- and storage-neutral',
            },
            {
              group: ['@jointmap/server', '@jointmap/server/*', '@jointmap/client', '@jointmap/client/*'],
              message: 'dependencies point one way: shared ← server, shared ← client',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage', 'process', 'fetch', 'WebSocket'],
    },
  },
  {
    files: ['server/src/**/*.ts', 'client/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ONLY_SHARED] }] },
  },
  {
    // What ships: no test runner and no test harness (`*.test-support.ts`) in the server or the client.
    files: ['server/src/**/*.ts', 'client/src/**/*.ts', 'client/src/**/*.svelte'],
    ignores: ['**/*.test.ts', '**/*.test-support.ts', '**/probe-*/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vitest', message: 'tests only' }],
          patterns: [ONLY_SHARED, { group: ['**/*.test-support*'], message: 'test harnesses are for tests only' }],
        },
      ],
    },
  },
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/config.ts', 'server/src/server.ts', 'server/src/tools/**'],
    rules: {
      // config.ts reads the environment once; everything else gets the config passed in.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read config, not process.env' },
      ],
    },
  },
);
