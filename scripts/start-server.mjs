#!/usr/bin/env node
/**
 * `pnpm --filter @jointmap/server start`: build the server when a source is newer than
 * server/dist, then run it with the launch settings every launcher uses (server-launch.mjs).
 * The working directory stays the caller's (DATA_DIR defaults to ./data under it).
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureServerBuild } from './build-server.mjs';
import { SERVER_NODE_ARGS, serverEnv } from './server-launch.mjs';

/** The signals a launcher passes on to the server (Ctrl-C, `kill`, systemd, a closed terminal). */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How often a launcher looks whether its parent (npm, pnpm, a shell) is still there. */
const ORPHAN_CHECK_MS = 1000;

/**
 * Run the server as a child of this launcher and end as it ends: its exit code, or the signal it
 * died of raised again here. Signals sent to the launcher are passed on to the server, so that
 * stopping `npm start` (a service manager, `kill`) stops the server and frees its port instead of
 * leaving it running with no parent. A Ctrl-C in the terminal reaches both (one process group):
 * the server takes the second SIGINT within a moment as the same stop (server/src/server.ts).
 * The server also has a channel to the launcher and stops when it closes: a launcher killed with
 * SIGKILL (or ended by a signal it does not pass on, Ctrl-\\) takes its server with it.
 */
export function runServer(args, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], ...options });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  // npm passes no SIGTERM on to its script (`kill <npm>` leaves this launcher running with no
  // parent): a launcher whose parent went stops its server as on SIGTERM.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    forward('SIGTERM');
  }, ORPHAN_CHECK_MS);
  orphaned.unref();
  child.on('error', (err) => {
    console.error(`the server could not be started: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    clearInterval(orphaned);
    for (const s of FORWARDED_SIGNALS) process.removeListener(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return child;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  await ensureServerBuild();
  const server = fileURLToPath(new URL('../server/dist/server.mjs', import.meta.url));
  runServer([...SERVER_NODE_ARGS, server, ...process.argv.slice(2)], { env: serverEnv() });
}
