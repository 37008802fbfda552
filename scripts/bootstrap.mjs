#!/usr/bin/env node
/**
 * One-command set-up for a fresh Debian machine with only Node 20 and npm.
 *   npm start   → pnpm, dependencies, client build, server build (server/dist), then the server
 *                 with embedded defaults
 *   npm test    → the same, plus the Debian packages the tests use (Chromium, nginx, Redis,
 *                 PostgreSQL, Python; installed when missing, started when stopped), then the whole
 *                 suite, a 1-minute soak and the fuzz
 * Every step is skipped when already done, so both commands stay fast on a prepared machine.
 * Root is needed only to install Debian packages and to prepare a stock PostgreSQL for the tests;
 * as another user, pnpm runs through npx when npm cannot install it globally, and a missing
 * package stops the command with the apt-get line to run.
 */
import { execSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureServerBuild, serverBuildIsStale } from './build-server.mjs';
import { SERVER_NODE_ARGS, serverEnv } from './server-launch.mjs';
import { runServer } from './start-server.mjs';
import { clientBuildIsStale } from './client-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The version of package.json "packageManager". */
export const PNPM = '10.34.9';
const isRoot = process.getuid?.() === 0;

const step = (title) => console.log(`\n▶ ${title}`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const succeeds = (cmd, opts = {}) =>
  spawnSync('sh', ['-c', cmd], { stdio: 'inherit', cwd: root, ...opts }).status === 0;
function fail(message) {
  console.error(`\n✖ ${message}`);
  process.exit(1);
}
/** Run a shell command in the repository; on failure print `hint` (if any) and exit. */
function run(cmd, opts = {}, hint = '') {
  const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`\n✖ failed (${r.status}): ${cmd}${hint ? `\n  ${hint}` : ''}`);
    process.exit(r.status ?? 1);
  }
}

function pnpmMajor() {
  const r = spawnSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? Number(r.stdout.trim().split('.')[0]) : null;
}

/** Root, or a Node whose global prefix this user owns (nvm, a home-directory install). */
function canInstallGlobally() {
  if (isRoot) return true;
  try {
    const prefix = execSync('npm prefix -g', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    for (const dir of [join(prefix, 'lib', 'node_modules'), join(prefix, 'bin')]) accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * pnpm 10 on PATH for this process and every command it starts (package scripts call `pnpm`
 * too): the one installed, else a global install, else npx's cached copy put first on PATH. As
 * a user, `npm install -g` fails with EACCES on a system-wide Node, so it is not tried.
 */
export function ensurePnpm() {
  if (pnpmMajor() === 10) return;
  if (canInstallGlobally()) {
    step(`installing pnpm@${PNPM}`);
    if (succeeds(`npm install -g pnpm@${PNPM}`) && pnpmMajor() === 10) return;
    console.warn(`npm install -g pnpm@${PNPM} left no pnpm 10 on PATH: using it through npx instead`);
  }
  step(`pnpm@${PNPM} through npx (no global install${isRoot ? '' : ': not root'})`);
  const r = spawnSync('npx', ['--yes', '-p', `pnpm@${PNPM}`, '-c', 'command -v pnpm'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bin = r.status === 0 ? r.stdout.trim().split('\n').at(-1) : '';
  if (!bin?.endsWith('/pnpm')) fail(`cannot get pnpm@${PNPM} (npm install -g, npx): is the npm registry reachable?`);
  process.env.PATH = `${dirname(bin)}${delimiter}${process.env.PATH}`;
  if (pnpmMajor() !== 10) fail(`${bin} is not pnpm 10`);
}

const canApt = isRoot && has('apt-get');
let aptUpdated = false;
function aptUpdate() {
  if (aptUpdated) return;
  run('apt-get update -qq');
  aptUpdated = true;
}
function aptInstall(packages, why) {
  step(`installing ${packages.join(', ')} (Debian packages: ${why})`);
  aptUpdate();
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')} >/dev/null`);
}

/**
 * What better-sqlite3 needs to compile itself (node-gyp: C++ compiler, make, Python), which it
 * does when its prebuilt binary cannot be downloaded (no GitHub from an intranet).
 */
export function missingBuildTools() {
  return [
    ['build-essential', has('g++') && has('make')],
    ['python3', has('python3')],
  ]
    .filter(([, present]) => !present)
    .map(([name]) => name);
}

/** nginx-light where apt has it (Debian 12), else nginx (newer Debian dropped the light flavour). */
export function nginxPackage() {
  const r = spawnSync('apt-cache', ['show', 'nginx-light'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && /^Package: nginx-light$/m.test(r.stdout) ? 'nginx-light' : 'nginx';
}

/**
 * Debian packages the tests lack: Chromium for the browser tests (unless CHROMIUM_PATH names
 * one), nginx for the deployment guide's proxy config (test/cluster/nginx.test.ts), iproute2 for
 * the offline release test's network namespace, redis-server (the cluster tests start private
 * ones even when TEST_REDIS_URL names the shared one), PostgreSQL (unless TEST_DATABASE_URL names
 * one) with psql and pg_dump, Python for the import test's fixtures (test/interop/import.test.ts).
 * `nginx` stands for the package that provides it (see nginxPackage).
 */
export function missingTestPackages(env = process.env) {
  return [
    ['chromium', Boolean(env.CHROMIUM_PATH) || existsSync('/usr/bin/chromium')],
    ['nginx', has('nginx') || existsSync('/usr/sbin/nginx')],
    ['iproute2', has('ip') || existsSync('/usr/sbin/ip') || existsSync('/sbin/ip')],
    ['redis-server', has('redis-server')],
    ['postgresql', Boolean(env.TEST_DATABASE_URL) || has('pg_ctlcluster') || has('postgres')],
    ['postgresql-client', has('psql') && has('pg_dump')],
    ['python3', has('python3')],
  ]
    .filter(([, present]) => !present)
    .map(([name]) => name);
}

/** Whether redis-cli gets PONG with these connection arguments. */
function redisAnswers(args) {
  const r = spawnSync('redis-cli', [...args, 'ping'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && r.stdout.trim() === 'PONG';
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

async function main(mode) {
  if (mode !== 'start' && mode !== 'test') {
    console.error('usage: bootstrap.mjs start|test');
    process.exit(2);
  }

  // 1. pnpm, pinned in package.json "packageManager".
  ensurePnpm();

  // 2. Dependencies; better-sqlite3 compiles from source with the machine's Node headers when its
  // prebuilt binary cannot be downloaded, so the build tools come first.
  const lock = join(root, 'pnpm-lock.yaml');
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
    const tools = missingBuildTools();
    const toolsLine = `sudo apt-get install -y ${tools.join(' ')}`;
    if (tools.length && canApt)
      aptInstall(tools, 'better-sqlite3 compiles with them when its binary cannot be downloaded');
    else if (tools.length)
      console.warn(`\n! if better-sqlite3's prebuilt binary cannot be downloaded, it compiles and needs: ${toolsLine}`);
    step('installing dependencies');
    const hint =
      tools.length && !canApt ? `if better-sqlite3 failed to compile: ${toolsLine}, then this command again` : '';
    run('pnpm install --frozen-lockfile', {}, hint);
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
    // DATA_DIR and the rest are the caller's or the server's defaults (server/src/config.ts).
    // Stopping this process (Ctrl-C, SIGTERM, SIGHUP) stops the server: runServer passes them on.
    step('starting the server (embedded SQLite)');
    runServer([...SERVER_NODE_ARGS, 'server/dist/server.mjs'], { cwd: root, env: serverEnv() });
    return;
  }

  // 5. Test prerequisites (Debian packages).
  const chromium = process.env.CHROMIUM_PATH;
  if (chromium && !existsSync(chromium)) fail(`CHROMIUM_PATH=${chromium}: no such file`);
  const packages = missingTestPackages();
  if (packages.length) {
    if (canApt) aptUpdate(); // first, so that apt-cache knows this release's nginx packages
    const names = packages.map((p) => (p === 'nginx' ? nginxPackage() : p));
    if (!canApt) fail(`the tests need Debian packages: run \`sudo apt-get install -y ${names.join(' ')}\``);
    aptInstall(names, 'for the tests');
  }

  // 6. Redis and PostgreSQL running, and the tests' database reachable (TEST_DATABASE_URL, else
  // postgres@127.0.0.1/test with trust auth, as on the CI machines). TEST_REDIS_URL names a Redis
  // that must already run; else the machine's own on 127.0.0.1:6379 is started when stopped.
  const quiet = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'ignore', env }).status === 0;
  if (process.env.TEST_REDIS_URL) {
    if (!redisAnswers(['-u', process.env.TEST_REDIS_URL])) fail('the Redis of TEST_REDIS_URL does not answer PING');
  } else if (!redisAnswers(['-h', '127.0.0.1'])) {
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
      if (!isRoot) fail('the tests need PostgreSQL at 127.0.0.1:5432 with a database `test`: set TEST_DATABASE_URL');
      step('preparing PostgreSQL for the tests (database `test`, a password for the postgres role)');
      run(`su postgres -c "psql -qc \\"ALTER ROLE postgres PASSWORD 'jointmap-test'\\""`);
      run(
        `su postgres -c "psql -qtAc \\"SELECT 1 FROM pg_database WHERE datname = 'test'\\" | grep -q 1 || createdb test"`,
      );
    }
    process.env.TEST_DATABASE_URL = url;
  }

  // 7. The whole suite: types, lint, formatting, then every test (unit, integration, browser).
  step('type-checking, linting and checking formatting');
  await runTogether(['pnpm check', 'pnpm lint', 'pnpm format:check']);
  step('running the tests');
  run('node scripts/test-all.mjs');
  // Measurements with a verdict (docs/soak.md): a 1-minute soak and the seeded fuzz of sync and REST.
  step('soak (1 minute: load, reconnect storm, SIGKILL + restart; no loss, bounded memory)');
  run('pnpm soak --minutes 1');
  step('fuzz (10,000 sync frames and REST bodies; nothing refused may be stored)');
  run('pnpm fuzz');
}

// Run as a script (npm start, npm test), not when imported to try one step (`node -e "import(…)"`).
const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) await main(process.argv[2]);
