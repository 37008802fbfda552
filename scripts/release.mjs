#!/usr/bin/env node
/**
 * `pnpm release`: one archive that installs and runs on a Linux x64 machine with only Node 20 and
 * no network: `release/jointmap-<version>-linux-x64-node20.tar.gz`, holding
 *
 *   server/dist/server.mjs      the server bundle (scripts/build-server.mjs; shared/ and every
 *                               npm package inside, except better-sqlite3)
 *   server/demo-data/           the demo county outlines the first start seeds from
 *   client/dist/                the built web client (fonts and offline basemap included)
 *   node_modules/               better-sqlite3 (its lib/ and the compiled better_sqlite3.node of
 *                               this machine) and bindings, its loader; @tak-ps/node-cot (the TAK
 *                               bridge's library, which reads its own files at load time) with
 *                               its dependencies, in pnpm's layout
 *   start.sh, package.json, README.txt
 *
 * The native module is the one this machine built for its Node, so the script refuses to run
 * anywhere but Linux x64 under Node 20 (the ABI the archive name promises).
 *
 *   node scripts/release.mjs [--out DIR] [--reuse-client]
 *     --out DIR        write the archive into DIR (default: release/)
 *     --reuse-client   use client/dist as it is when present, even if sources are newer
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { SERVER_BUNDLE, ensureServerBuild } from './build-server.mjs';
import { START_LINE } from './server-launch.mjs';
import { CLIENT_DIST, clientBuildIsStale } from './client-build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODE_MAJOR = 20;

function fail(message) {
  console.error(`✖ ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

function parseArgs(argv) {
  const opts = { out: join(root, 'release'), reuseClient: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') opts.out = resolve(argv[++i] ?? fail('--out needs a directory'));
    else if (argv[i] === '--reuse-client') opts.reuseClient = true;
    else if (argv[i] !== '--') fail(`unknown argument ${argv[i]}`);
  }
  return opts;
}

/** The directory of an installed package, resolved the way the server resolves it. */
function packageDir(name, from) {
  const req = createRequire(join(from, 'package.json'));
  return dirname(req.resolve(`${name}/package.json`));
}

/** better-sqlite3 with only what it needs at run time, and its loader `bindings`. */
function copySqlite(stage) {
  const sqlite = packageDir('better-sqlite3', join(root, 'server'));
  const addon = join(sqlite, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(addon)) fail(`${addon} is missing: run pnpm install (it builds better-sqlite3)`);
  const to = join(stage, 'node_modules', 'better-sqlite3');
  for (const part of ['package.json', 'LICENSE', 'lib'])
    cpSync(join(sqlite, part), join(to, part), { recursive: true });
  cpSync(addon, join(to, 'build', 'Release', 'better_sqlite3.node'));
  // bindings finds the .node file; file-uri-to-path is its only dependency.
  const bindings = packageDir('bindings', sqlite);
  cpSync(bindings, join(stage, 'node_modules', 'bindings'), { recursive: true, dereference: true });
  const fileUri = packageDir('file-uri-to-path', bindings);
  cpSync(fileUri, join(stage, 'node_modules', 'file-uri-to-path'), { recursive: true, dereference: true });
}

/**
 * A package and everything it depends on, copied in pnpm's own layout: each package version in
 * `node_modules/.pnpm/<id>/node_modules/<name>` beside links to its dependencies, and the package
 * linked from `node_modules/<name>`. Two versions of one dependency stay apart, as in the tree.
 */
function copyWithDependencies(stage, name) {
  const ids = new Map();
  const visit = (pkg, from, optional) => {
    let dir;
    try {
      dir = realpathSync(packageRoot(pkg, from));
    } catch (err) {
      if (optional) return;
      throw err;
    }
    const m = /^(.*\/node_modules\/\.pnpm)\/([^/]+)\/node_modules\//.exec(dir);
    if (!m) fail(`${pkg} is not in pnpm's layout (${dir})`);
    if (ids.has(m[2])) return dir;
    ids.set(m[2], m[1]);
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(json.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(json.optionalDependencies ?? {})) visit(dep, dir, true);
    return dir;
  };
  const top = visit(name, join(root, 'server'), false);
  for (const [id, store] of ids)
    cpSync(join(store, id), join(stage, 'node_modules', '.pnpm', id), { recursive: true, verbatimSymlinks: true });
  const link = join(stage, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  const storeDir = /^(.*\/node_modules\/\.pnpm)\//.exec(top)[1];
  symlinkSync(relative(dirname(link), join(stage, 'node_modules', '.pnpm', relative(storeDir, top))), link);
  return ids.size;
}

/** A package's root directory, also for packages whose `exports` hide their package.json. */
function packageRoot(name, from) {
  const req = createRequire(join(from, 'package.json'));
  try {
    return dirname(req.resolve(`${name}/package.json`));
  } catch {
    let dir = dirname(req.resolve(name));
    while (
      !existsSync(join(dir, 'package.json')) ||
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name
    ) {
      if (dirname(dir) === dir) fail(`cannot find the root of ${name}`);
      dir = dirname(dir);
    }
    return dir;
  }
}

/** Load the staged better-sqlite3 from the staged tree: the archive must not lean on the repo's. */
function checkSqlite(stage) {
  const probe = `const D = require(${JSON.stringify(join(stage, 'node_modules', 'better-sqlite3'))});
const db = new D(':memory:'); if (db.prepare('select 1 as x').get().x !== 1) process.exit(1);`;
  run(process.execPath, ['-e', probe], { cwd: stage });
}

/**
 * The server's defaults that start.sh and README.txt state, read from server/src/config.ts
 * (through tsx, which the build already needs): host, port, and where the data directory is,
 * relative to the directory the server starts in (start.sh starts it in the release's own).
 */
async function serverDefaults() {
  const { defaultConfig } = await tsImport('../server/src/config.ts', import.meta.url);
  const { host, port, dataDir } = defaultConfig();
  const rel = relative(process.cwd(), dataDir);
  const inside = rel && !rel.startsWith('..') && !isAbsolute(rel);
  return { host, port, dataDir: inside ? `./${rel} in this directory` : dataDir };
}

const startSh = ({ host, port, dataDir }) => `#!/bin/sh
# Start 联勤图 JointMap from this directory. Data (SQLite, secrets, demo logins) goes to
# ${dataDir} unless DATA_DIR is set; PORT (default ${port}) and HOST (default ${host}) as in
# the README.
cd "$(dirname "$0")" || exit 1
${START_LINE}
`;

/** The newest glibc symbol version the native module links against: the oldest glibc it loads on. */
function glibcNeeded(stage) {
  const addon = readFileSync(join(stage, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  const versions = [...addon.toString('latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const v = versions.at(-1);
  return v ? `${v[0]}.${v[1]}` : 'unknown';
}

function readme(name, version, glibc, { host, port, dataDir }) {
  return `联勤图 JointMap ${version} — offline release (${name})

Needs: Linux x64 with glibc ${glibc} or newer (ldd --version) and Node.js ${NODE_MAJOR} (node --version
prints v${NODE_MAJOR}.x). No network, no npm install, no build tools: the server, the web client and
the native SQLite module are inside.

  tar xzf ${name}.tar.gz
  cd ${name}
  ./start.sh                # or: npm start (node server/dist/server.mjs works too, with more memory)

Then open http://${host}:${port}/ (other machines: start with HOST=0.0.0.0 and open
http://<this machine>:${port}/). The first start creates the demo operation and prints the demo
logins (also saved in <DATA_DIR>/demo-logins.txt; set DEMO_PASSWORD=... on the first start for
fixed ones, SIMULATE=0 for no moving demo units). Settings are environment variables, e.g.

  HOST=0.0.0.0 PORT=9000 DATA_DIR=/var/lib/jointmap ./start.sh

(all of them: the configuration table in README.md of the source tree; deployment notes in its
docs/deploy.md). Data goes to ${dataDir} unless DATA_DIR is set: keep it outside
(DATA_DIR=/var/lib/jointmap) and an upgrade is unpacking the new release and starting it with the
same DATA_DIR. Stop with Ctrl-C or SIGTERM.
`;
}

const opts = parseArgs(process.argv.slice(2));
if (process.platform !== 'linux' || process.arch !== 'x64')
  fail(`the release is for Linux x64; this is ${process.platform} ${process.arch}`);
if (Number(process.versions.node.split('.')[0]) !== NODE_MAJOR)
  fail(
    `build the release with Node ${NODE_MAJOR} (its native SQLite module is for that ABI); this is ${process.version}`,
  );

const version = JSON.parse(readFileSync(join(root, 'server', 'package.json'), 'utf8')).version;
const name = `jointmap-${version}-linux-x64-node${NODE_MAJOR}`;
const t0 = performance.now();
const defaults = await serverDefaults();

if (opts.reuseClient ? !existsSync(join(CLIENT_DIST, 'index.html')) : clientBuildIsStale()) {
  console.log('▶ building the web client');
  run('pnpm', ['build']);
}
await ensureServerBuild();

const work = join(tmpdir(), `jointmap-release-${process.pid}`);
const stage = join(work, name);
rmSync(work, { recursive: true, force: true });
try {
  mkdirSync(stage, { recursive: true });
  // The entry, its chunks (modules loaded on first use) and their source maps.
  cpSync(dirname(SERVER_BUNDLE), join(stage, 'server', 'dist'), { recursive: true });
  cpSync(join(root, 'server', 'demo-data'), join(stage, 'server', 'demo-data'), { recursive: true });
  cpSync(CLIENT_DIST, join(stage, 'client', 'dist'), { recursive: true });
  copySqlite(stage);
  checkSqlite(stage);
  const cotPackages = copyWithDependencies(stage, '@tak-ps/node-cot');
  run(
    process.execPath,
    ['-e', `import('@tak-ps/node-cot/dist/index.js').then((m) => { if (!m.default) process.exit(1); })`],
    {
      cwd: join(stage, 'server', 'dist'),
    },
  );
  console.log(`  @tak-ps/node-cot with ${cotPackages - 1} dependencies`);
  writeFileSync(join(stage, 'start.sh'), startSh(defaults), { mode: 0o755 });
  writeFileSync(join(stage, 'README.txt'), readme(name, version, glibcNeeded(stage), defaults));
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        name: 'jointmap',
        version,
        private: true,
        type: 'module',
        engines: { node: `>=${NODE_MAJOR} <${NODE_MAJOR + 1}` },
        scripts: { start: './start.sh' },
      },
      null,
      2,
    )}\n`,
  );
  mkdirSync(opts.out, { recursive: true });
  const archive = join(opts.out, `${name}.tar.gz`);
  run('tar', ['-czf', archive, '--owner=0', '--group=0', '-C', work, name]);
  const mib = (statSync(archive).size / 2 ** 20).toFixed(1);
  console.log(`release ${archive} (${mib} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
