#!/usr/bin/env node
/**
 * One-command set-up for a fresh Debian machine with only Node 20 and npm.
 *   npm start   → pnpm, dependencies, client build, server build (server/dist), then the server
 *                 with embedded defaults
 *   npm test    → the same, plus the Debian packages the tests use (Chromium, nginx, Redis,
 *                 PostgreSQL; installed when missing, started when stopped), then the whole suite,
 *                 a 1-minute soak and the fuzz
 * Every step is skipped when already done, so both commands stay fast on a prepared machine.
 */
import { execSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureServerBuild, serverBuildIsStale } from './build-server.mjs';
import { SERVER_NODE_ARGS, serverEnv } from './server-launch.mjs';
import { clientBuildIsStale } from './client-build.mjs';

const root = new URL('..', import.meta.url).pathname;
const PNPM = '10.34.9';
const mode = process.argv[2];
if (mode !== 'start' && mode !== 'test') {
  console.error('usage: bootstrap.mjs start|test');
  process.exit(2);
}

const step = (title) => console.log(`\n▶ ${title}`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
function run(cmd, opts = {}) {
  const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`\n✖ failed (${r.status}): ${cmd}`);
    process.exit(r.status ?? 1);
  }
}
const isRoot = process.getuid?.() === 0;

// 1. pnpm, pinned in package.json "packageManager".
const pnpmVersion = has('pnpm') ? execSync('pnpm --version').toString().trim() : null;
if (!pnpmVersion || !pnpmVersion.startsWith('10.')) {
  step(`installing pnpm@${PNPM}`);
  run(`npm install -g pnpm@${PNPM}`);
}

// 2. Dependencies (better-sqlite3 builds from source with the machine's Node headers if needed).
const lock = join(root, 'pnpm-lock.yaml');
const marker = join(root, 'node_modules', '.modules.yaml');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  step('installing dependencies');
  run('pnpm install --frozen-lockfile');
}

// 3. The web client, rebuilt when any client source is newer than the build.
if (clientBuildIsStale()) {
  step('building the web client');
  run('pnpm build');
}

if (mode === 'start') {
  // 4. The server, compiled to server/dist/server.mjs when a server or shared source is newer.
  if (serverBuildIsStale()) {
    step('building the server');
    await ensureServerBuild({ force: true });
  }
  step('starting the server (embedded SQLite under ./data)');
  run(`"${process.execPath}" ${SERVER_NODE_ARGS.join(' ')} server/dist/server.mjs`, {
    env: { ...serverEnv(), DATA_DIR: process.env.DATA_DIR ?? join(root, 'data') },
  });
  process.exit(0);
}

// 5. Test prerequisites (Debian packages): Chromium for the browser tests, nginx for the
// deployment guide's proxy config (test/cluster/nginx.test.ts), iproute2 for the offline release
// test's network namespace, Redis and PostgreSQL (with pg_dump) for the scale-out and PostgreSQL
// tests.
const packages = [
  ['chromium', existsSync('/usr/bin/chromium')],
  ['nginx-light', has('nginx') || existsSync('/usr/sbin/nginx')],
  ['iproute2', has('ip') || existsSync('/usr/sbin/ip') || existsSync('/sbin/ip')],
  ['redis-server', has('redis-server')],
  ['postgresql', has('pg_ctlcluster') || has('postgres')],
  ['postgresql-client', has('psql') && has('pg_dump')],
]
  .filter(([, present]) => !present)
  .map(([name]) => name);
if (packages.length) {
  if (!isRoot || !has('apt-get')) {
    console.error(`✖ the tests need Debian packages: run \`sudo apt-get install -y ${packages.join(' ')}\``);
    process.exit(1);
  }
  step(`installing ${packages.join(', ')} (Debian packages)`);
  run(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')} >/dev/null`);
}

// 6. Redis and PostgreSQL running, and the tests' database reachable (TEST_DATABASE_URL, else
// postgres@127.0.0.1/test with trust auth, as on the CI machines).
const quiet = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'ignore', env }).status === 0;
if (!quiet('redis-cli', ['-h', '127.0.0.1', 'ping'])) {
  step('starting Redis (127.0.0.1:6379, nothing kept on disk)');
  run('redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
}
if (!quiet('pg_isready', ['-h', '127.0.0.1', '-q']) && has('pg_ctlcluster') && existsSync('/etc/postgresql')) {
  const version = readdirSync('/etc/postgresql').sort().at(-1);
  step(`starting PostgreSQL ${version}`);
  run(`pg_ctlcluster --skip-systemctl-redirect ${version} main start`);
}
const pgConnects = (url) => quiet('psql', [url, '-qtAc', 'SELECT 1'], { ...process.env, PGCONNECT_TIMEOUT: '5' });
if (!process.env.TEST_DATABASE_URL && !pgConnects('postgres://postgres@127.0.0.1:5432/test')) {
  // PostgreSQL as Debian installs it: password auth over TCP, no `test` database. The tests get a
  // database of that name and a password for the postgres role (local peer login is unchanged).
  const url = 'postgres://postgres:jointmap-test@127.0.0.1:5432/test';
  if (!pgConnects(url)) {
    if (!isRoot) {
      console.error('✖ the tests need PostgreSQL at 127.0.0.1:5432 with a database `test`: set TEST_DATABASE_URL');
      process.exit(1);
    }
    step('preparing PostgreSQL for the tests (database `test`, a password for the postgres role)');
    run(`su postgres -c "psql -qc \\"ALTER ROLE postgres PASSWORD 'jointmap-test'\\""`);
    run(
      `su postgres -c "psql -qtAc \\"SELECT 1 FROM pg_database WHERE datname = 'test'\\" | grep -q 1 || createdb test"`,
    );
  }
  process.env.TEST_DATABASE_URL = url;
}

/**
 * Commands that only read the tree, side by side (each is single-threaded, and the type check alone
 * takes longer than the other two together); each one's output is printed whole once it ends.
 */
async function runTogether(cmds) {
  const results = await Promise.all(
    cmds.map(
      (cmd) =>
        new Promise((resolve) => {
          const child = spawn('sh', ['-c', cmd], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          child.on('close', (code) => {
            step(cmd);
            process.stdout.write(out);
            resolve({ cmd, code });
          });
        }),
    ),
  );
  const failed = results.find((r) => r.code !== 0);
  if (failed) {
    console.error(`\n✖ failed (${failed.code}): ${failed.cmd}`);
    process.exit(failed.code ?? 1);
  }
}

// 7. The whole suite: types, lint, formatting, then every test (unit, integration, browser).
step('type-checking, linting and checking formatting');
await runTogether(['pnpm check', 'pnpm lint', 'pnpm format:check']);
step('running the tests');
run('pnpm exec vitest run');
// Measurements with a verdict (docs/soak.md): a 1-minute soak and the seeded fuzz of sync and REST.
step('soak (1 minute: load, reconnect storm, SIGKILL + restart; no loss, bounded memory)');
run('pnpm soak --minutes 1');
step('fuzz (10,000 sync frames and REST bodies; nothing refused may be stored)');
run('pnpm fuzz');
