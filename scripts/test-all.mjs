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
 * Arguments are handed to both runs (`pnpm test:only test/sync` runs what matches in either);
 * with any, a run that matches no file passes. Exits with the first failed run's code.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const extra = process.argv.slice(2);
const RUNS = [
  { tag: 'node', projects: ['client', 'unit', 'integration'] },
  { tag: 'e2e', projects: ['e2e'] },
];

/** Run one vitest process, its lines tagged; resolves with its exit code. */
function runVitest({ tag, projects }) {
  const args = ['exec', 'vitest', 'run', ...projects.flatMap((p) => ['--project', p]), ...extra];
  if (extra.length) args.push('--passWithNoTests');
  const child = spawn('pnpm', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    const out = stream === child.stdout ? process.stdout : process.stderr;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`[${tag}] ${line}\n`));
  }
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`[${tag}] could not start vitest: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const started = performance.now();
const codes = await Promise.all(RUNS.map(runVitest));
const seconds = ((performance.now() - started) / 1000).toFixed(0);
RUNS.forEach((run, k) => console.log(`${run.tag}: ${codes[k] === 0 ? 'passed' : `failed (${codes[k]})`}`));
console.log(`whole suite: ${seconds} s`);
process.exit(codes.find((c) => c !== 0) ?? 0);
