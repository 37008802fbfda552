#!/usr/bin/env node
/**
 * `pnpm --filter @jointmap/server start`: build the server when a source is newer than
 * server/dist, then run it with the launch settings every launcher uses (server-launch.mjs).
 * The working directory stays the caller's (DATA_DIR defaults to ./data under it).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureServerBuild } from './build-server.mjs';
import { SERVER_NODE_ARGS, serverEnv } from './server-launch.mjs';

await ensureServerBuild();
const entry = fileURLToPath(new URL('../server/dist/server.mjs', import.meta.url));
const r = spawnSync(process.execPath, [...SERVER_NODE_ARGS, entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: serverEnv(),
});
process.exit(r.status ?? 1);
