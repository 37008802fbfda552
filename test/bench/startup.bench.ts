/**
 * `pnpm bench startup`: how long the server takes to start and how much memory it holds once the
 * demo runs, from the TypeScript sources (`node --import tsx server/src/server.ts`, as `pnpm dev`
 * and the tests run it) and from the production build (`node --enable-source-maps
 * server/dist/server.mjs`, as `npm start` and the release run it; also without source maps). All
 * run the same way, alternating, in a child process each:
 *
 * - start: from spawn to the "is running" line (listening, demo seeded). First start on an empty
 *   data directory (creates the demo operation) and a restart on the same directory.
 * - CPU: user + system seconds the process used until then.
 * - CPU and RSS count the process and its children: tsx keeps an esbuild service process.
 * - RSS: VmRSS while the demo (simulator and story) runs with no clients, the median of samples
 *   every 500 ms from 20 to 30 s after the start (one sample swings with the garbage collector).
 *
 * `BENCH_STARTUP_RUNS=N` (default 3) sets the runs per mode; `BENCH_STARTUP_IDLE_S` the 30 s (at least 10).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, rssBytes, waitForQuiet } from './lib/proc.ts';
import { median } from './lib/stats.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const IDLE_S = Number(process.env.BENCH_STARTUP_IDLE_S ?? 30);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process and all its descendants (tsx runs an esbuild service as a child process). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}
const sum = (pid: number, f: (p: number) => number) =>
  processTree(pid).reduce((t, p) => {
    try {
      return t + f(p);
    } catch {
      return t; // exited meanwhile
    }
  }, 0);

interface Mode {
  id: string;
  label: string;
  args: string[];
}
const MODES: Mode[] = [
  { id: 'source', label: 'sources via tsx', args: ['--import', 'tsx', 'server/src/server.ts'] },
  // As `npm start` and the release run it: stack traces point into the TypeScript sources.
  { id: 'build', label: 'build + source maps', args: ['--enable-source-maps', 'server/dist/server.mjs'] },
  { id: 'bare', label: 'build, no source maps', args: ['server/dist/server.mjs'] },
];

interface Started {
  child: ChildProcess;
  ms: number;
  cpu: number;
}

async function start(mode: Mode, dataDir: string): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, mode.args, {
    cwd: root,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DEMO_PASSWORD: 'demo-pass-123', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ms = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/is running: http/.test(out)) resolve(performance.now() - t0);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${mode.id} exited (${code}):\n${out}`)));
  });
  const cpu = sum(child.pid!, cpuSeconds);
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  child.removeAllListeners('exit');
  return { child, ms, cpu };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface Sample {
  firstMs: number;
  firstCpu: number;
  restartMs: number;
  restartCpu: number;
  rss: number;
}

async function sample(mode: Mode): Promise<Sample> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-startup-'));
  try {
    await waitForQuiet(5_000);
    const first = await start(mode, dataDir);
    await sleep((IDLE_S - 10) * 1000);
    const rssSamples: number[] = [];
    for (let i = 0; i <= 20; i++) {
      rssSamples.push(sum(first.child.pid!, rssBytes));
      await sleep(500);
    }
    const rss = median(rssSamples);
    await stop(first.child);
    await waitForQuiet(5_000);
    const again = await start(mode, dataDir);
    await stop(again.child);
    return { firstMs: first.ms, firstCpu: first.cpu, restartMs: again.ms, restartCpu: again.cpu, rss };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('server build failed');
  const samples = new Map<string, Sample[]>(MODES.map((m) => [m.id, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const mode of MODES) {
      const s = await sample(mode);
      samples.get(mode.id)!.push(s);
      console.log(
        `  run ${i + 1} ${mode.id.padEnd(6)}: first start ${s.firstMs.toFixed(0)} ms (${s.firstCpu.toFixed(2)} s CPU), ` +
          `restart ${s.restartMs.toFixed(0)} ms (${s.restartCpu.toFixed(2)} s CPU), RSS at ${IDLE_S - 10}–${IDLE_S} s ${(s.rss / 2 ** 20).toFixed(0)} MiB`,
      );
    }
  }
  console.log(`\n  medians of ${RUNS} runs each (demo running, no clients):`);
  console.log('  | server                | first start | CPU    | restart | CPU    | RSS 20–30 s |');
  console.log('  | --------------------- | ----------- | ------ | ------- | ------ | ----------- |');
  for (const mode of MODES) {
    const s = samples.get(mode.id)!;
    const m = (f: (x: Sample) => number) => median(s.map(f));
    console.log(
      `  | ${mode.label.padEnd(21)} | ${`${m((x) => x.firstMs).toFixed(0)} ms`.padStart(11)} | ${`${m((x) => x.firstCpu).toFixed(2)} s`.padStart(6)} | ` +
        `${`${m((x) => x.restartMs).toFixed(0)} ms`.padStart(7)} | ${`${m((x) => x.restartCpu).toFixed(2)} s`.padStart(6)} | ` +
        `${`${(m((x) => x.rss) / 2 ** 20).toFixed(0)} MiB`.padStart(11)} |`,
    );
  }
}
