#!/usr/bin/env node
/**
 * Production build of the server: `server/src/server.ts` with everything it imports (`shared/`
 * and the npm packages) bundled into ES modules under `server/dist/`: the entry `server.mjs` and
 * chunks for what the server loads only on first use (`await import(...)`: the PostgreSQL and
 * Redis clients, archives, import/export), so the server starts from plain JavaScript without the
 * tsx loader and holds in memory only the code it runs. Kept outside the bundle: `better-sqlite3` (native;
 * loaded from node_modules, also by the SQLite worker threads) and optional native add-ons.
 *
 *   node scripts/build-server.mjs           build when a source is newer than the bundle
 *   node scripts/build-server.mjs --force   build anyway
 *
 * esbuild is the one tsx already runs on (no extra dependency). `pnpm dev` and the tests'
 * in-process servers run the TypeScript sources; servers the tests start as child processes run
 * this build (test/server-build.global.ts).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SERVER_BUNDLE = join(root, 'server', 'dist', 'server.mjs');

/** Packages loaded from node_modules at run time instead of being bundled. */
export const EXTERNAL_PACKAGES = [
  'better-sqlite3',
  // Optional native speed-ups that ws and pg look for inside try/catch; absent in the tree.
  'bufferutil',
  'utf-8-validate',
  'pg-native',
];

/** The newest modification time of any file under the given paths (node_modules and dist skipped). */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (!s.isDirectory()) {
      t = Math.max(t, s.mtimeMs);
      continue;
    }
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist') continue;
      t = Math.max(t, newest([join(p, e.name)]));
    }
  }
  return t;
}

/** Files whose change makes the bundle stale. */
const inputs = () => [
  join(root, 'server', 'src'),
  join(root, 'shared', 'src'),
  join(root, 'server', 'package.json'),
  join(root, 'shared', 'package.json'),
  join(root, 'pnpm-lock.yaml'),
  fileURLToPath(import.meta.url),
];

/** Whether `server/dist/server.mjs` is older than any of its sources. */
export function serverBuildIsStale() {
  return !existsSync(SERVER_BUNDLE) || statSync(SERVER_BUNDLE).mtimeMs < newest(inputs());
}

/**
 * Modules that find files next to themselves (`new URL('../../demo-data/', import.meta.url)`)
 * would all see the bundle's URL once bundled. Each of our source files gets its own URL instead,
 * computed from the bundle's location at run time, so the same relative paths (client/dist,
 * server/demo-data, node_modules for the SQLite workers) resolve from the build as from the
 * sources, in the repository and in an unpacked release alike.
 */
function ownImportMetaUrl(outDir) {
  const sources = [join(root, 'server', 'src'), join(root, 'shared', 'src')];
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!sources.some((dir) => args.path.startsWith(dir + '/'))) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        const rel = relative(outDir, args.path).split('\\').join('/');
        const own = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader: 'ts' };
      });
    },
  };
}

/** Build the bundle now. Returns its size in bytes and the build time in ms. */
export async function buildServer() {
  // esbuild is tsx's own dependency: resolve it from there rather than adding a second copy.
  const requireFromTsx = createRequire(createRequire(join(root, 'server', 'package.json')).resolve('tsx'));
  const esbuild = requireFromTsx('esbuild');
  const outDir = dirname(SERVER_BUNDLE);
  // Written beside it and swapped in whole: a server starting meanwhile (a test's, `npm start`)
  // finds the old build or the new one, never half of one. Chunk names carry a content hash:
  // written into an empty directory, no chunk of an older build is left behind.
  const tag = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const building = `${outDir}.building-${tag}`;
  rmSync(building, { recursive: true, force: true });
  const t0 = performance.now();
  try {
    await build(esbuild, building, outDir);
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    throw err;
  }
  const old = `${outDir}.old-${tag}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(building, outDir);
  } catch (err) {
    // Another build swapped its own in between: that one stays.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(SERVER_BUNDLE)) throw err;
  }
  rmSync(old, { recursive: true, force: true });
  const bytes = readdirSync(outDir)
    .filter((f) => f.endsWith('.mjs'))
    .reduce((sum, f) => sum + statSync(join(outDir, f)).size, 0);
  return { bytes, ms: performance.now() - t0 };
}

/** esbuild into `dir`; `import.meta.url` of our modules resolved as from `outDir`, where it will run. */
async function build(esbuild, dir, outDir) {
  await esbuild.build({
    entryPoints: [join(root, 'server', 'src', 'server.ts')],
    outdir: dir,
    entryNames: '[name]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    // Stack traces need the mappings only; the sources would be held in memory by --enable-source-maps.
    sourcesContent: false,
    external: EXTERNAL_PACKAGES,
    // Bundled CommonJS packages call require() for Node built-ins and read __dirname.
    banner: {
      js: [
        "import { createRequire as __jmCreateRequire } from 'node:module';",
        "import { fileURLToPath as __jmFileURLToPath } from 'node:url';",
        'const require = __jmCreateRequire(import.meta.url);',
        'const __filename = __jmFileURLToPath(import.meta.url);',
        "const __dirname = __jmFileURLToPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
    plugins: [ownImportMetaUrl(outDir)],
    logLevel: 'warning',
    legalComments: 'none',
    // Whitespace and comments out, names kept (stack traces stay readable without the map). V8
    // keeps the whole source in the heap, and a single non-ASCII character (a "§" in a
    // dependency's comment) made it a two-byte string: 12.8 MB of heap for a 6.4 MiB file.
    minifyWhitespace: true,
    minifySyntax: true,
  });
}

/** Build when stale (or forced); prints one line either way. */
export async function ensureServerBuild({ force = false } = {}) {
  if (!force && !serverBuildIsStale()) return false;
  const { bytes, ms } = await buildServer();
  console.log(
    `built ${relative(root, SERVER_BUNDLE)} and its chunks (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${(ms / 1000).toFixed(1)} s`,
  );
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await ensureServerBuild({ force: process.argv.includes('--force') });
}
