/**
 * `pnpm test:only` (and the test step of `npm test`): the whole vitest suite as two runs side by
 * side, each line of their output tagged with its run:
 *
 * - `node`: the client, unit and integration files, two workers (vitest.config.ts);
 * - `e2e`: the browser files, one at a time, each with its own servers and pages in one Chromium.
 *
 * One after the other (`pnpm exec vitest run`) the browser files waited for the node files, and each
 * run left a core mostly idle: the node files wait on sockets, timers and child processes, a browser
 * file mostly on one Chromium rendering in software. Side by side, on 2 cores: 1,000 s against
 * 1,250 s (docs/decisions.md, "The test suite side by side").
 *
 * Arguments are handed to both runs (`pnpm test:only test/sync` runs what matches in either): with
 * a file filter, a run that matches no file passes, but not both. Ctrl-C reaches both runs from the
 * terminal and their last lines are still printed; SIGTERM and SIGHUP are passed on to them. Exits
 * with the first failed run's code.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureServerBuild } from './build-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// `pnpm test:only -- x` hands on the `--`, after which vitest would take `x` for no filter.
const extra = process.argv.slice(2).filter((a, k) => !(k === 0 && a === '--'));
/** File filters (not options): with them, a run whose files all lie in the other run passes. */
const filtered = extra.some((a) => !a.startsWith('-'));
const NO_FILES = 'No test files found';
const RUNS = [
  { tag: 'node', projects: ['client', 'unit', 'integration'] },
  { tag: 'e2e', projects: ['e2e'] },
];

/** Run one vitest process, its lines tagged; resolves with its exit code. */
function runVitest({ tag, projects }) {
  const args = ['exec', 'vitest', 'run', ...projects.flatMap((p) => ['--project', p]), ...extra];
  if (filtered) args.push('--passWithNoTests');
  const child = spawn('pnpm', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let noFiles = false;
  for (const stream of [child.stdout, child.stderr]) {
    const out = stream === child.stdout ? process.stdout : process.stderr;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line.includes(NO_FILES)) noFiles = true;
      out.write(`[${tag}] ${line}\n`);
    });
  }
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`[${tag}] could not start vitest: ${err.message}`);
      resolve({ code: 1, noFiles });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), noFiles }));
  });
}

/** The vitest processes, to pass a termination on. */
const children = [];
// Ctrl-C goes to the whole process group: the runs stop themselves and print what they had; this
// process waits for their last lines instead of dying first.
process.on('SIGINT', () => undefined);
for (const signal of ['SIGTERM', 'SIGHUP'])
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });

const started = performance.now();
// Both runs start servers from server/dist (test/server-build.global.ts): built here once, when
// stale, rather than by both runs at the same time.
try {
  await ensureServerBuild();
} catch (err) {
  console.error(`the server does not build, so no test ran: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
const results = await Promise.all(RUNS.map(runVitest));
const seconds = ((performance.now() - started) / 1000).toFixed(0);
RUNS.forEach((run, k) => {
  const { code, noFiles } = results[k];
  console.log(`${run.tag}: ${code !== 0 ? `failed (${code})` : noFiles ? 'no file matched' : 'passed'}`);
});
console.log(`whole suite: ${seconds} s`);
if (results.every((r) => r.noFiles)) {
  console.error(`${NO_FILES} in either run: ${extra.join(' ')}`);
  process.exit(1);
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
