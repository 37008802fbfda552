/**
 * Replay (docs/replay.md): opening a moment of a 12-hour operation with 50,000 stored updates
 * (target ≤ 300 ms), cold (a fresh server: one stored checkpoint and a ranged read of the log per
 * document) and warm (200 moments on one server), through the HTTP API; also the events list and positions at a moment; then
 * the replay page playing it at 60× in headless Chromium (main-thread busy time per second).
 * `BENCH_REPLAY_UPDATES` (default 50,000) and `BENCH_REPLAY_UNITS` (default 200, over 3 stations);
 * `BENCH_REPLAY_FIX_EVERY_S` (default 60): seconds between two fixes of a unit.
 * `BENCH_REPLAY_FIRST` (default 6): operations restored to open their first moment ever.
 * Also the after-action report and its map of the same restored operation (checkpoints, no room
 * snapshots): each one's time and the longest the server's event loop stalled meanwhile.
 * `BENCH_REPLAY_ONLY=browser`: only the page (after one events walk that stores the checkpoints);
 * `BENCH_REPLAY_ONLY=report`: only the report figures; `BENCH_REPLAY_BROWSER=0`: only the HTTP API. `BENCH_TRACE=1`: also print where the page's
 * main-thread time goes (Chromium trace, self time by event), paused and playing;
 * `BENCH_CLIENT_DIR`: serve that client build (with `BENCH_PROFILE=1`, an unminified one).
 */
import { rmSync } from 'node:fs';
import { launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_PASSWORD, startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { buildHistory, storeHistory } from '../replay/replay-history.ts';
import { seededRandom } from '../helpers/random.ts';
import { printMainThread, probeMainThread } from './lib/browser.ts';
import { ms, percentile, printTable } from './lib/stats.ts';
import { traceMainThread } from './lib/trace.ts';

const UPDATES = Number(process.env.BENCH_REPLAY_UPDATES ?? 50_000);
const UNITS = Number(process.env.BENCH_REPLAY_UNITS ?? 200);
const FIX_EVERY_MS = Number(process.env.BENCH_REPLAY_FIX_EVERY_S ?? 60) * 1000;
const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
const OP = 'bench-replay';
const COLD_RUNS = 6;
/** Operations restored (the same history under other ids) to open their first moment ever. */
const FIRST_RUNS = Number(process.env.BENCH_REPLAY_FIRST ?? 6);
const WARM_RUNS = 200;

async function timed(server: TestServer, token: string, path: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${Buffer.from(body).toString()}`);
  return { ms: performance.now() - t0, bytes: body.byteLength };
}

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-replay-');
  try {
    const start = Date.now() - 13 * 3_600_000;
    const t0 = performance.now();
    const h = buildHistory({
      operationId: OP,
      stations: STATIONS,
      start,
      hours: 12,
      updates: UPDATES,
      unitsPerStation: Math.ceil(UNITS / STATIONS.length),
      fixEveryMs: FIX_EVERY_MS,
    });
    const total = [...h.logs.values()].reduce((n, l) => n + l.length, 0);
    // BENCH_CLIENT_DIR: serve another client build (e.g. an unminified one, for BENCH_PROFILE=1).
    const clientDir = process.env.BENCH_CLIENT_DIR ? { clientDir: process.env.BENCH_CLIENT_DIR } : {};
    let server = await startServer(null, { dataDir, ...clientDir });
    await storeHistory(server.ctx.storage, h);
    console.log(
      `built ${total} updates over 12 h in ${h.logs.size} documents and ${h.fixes.length} fixes of ${UNITS} units in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const rnd = seededRandom(5);
    const moment = () => start + rnd.int(12 * 3_600_000);
    const state = (at: number) => `/api/operations/${OP}/replay/state?at=${at}`;

    if (process.env.BENCH_REPLAY_ONLY === 'browser') {
      const { token } = await server.login('commander');
      await timed(server, token, `/api/operations/${OP}/replay/events`);
      const f = await playInBrowser(server, start);
      await server.close();
      printBrowser(f);
      return;
    }

    if (process.env.BENCH_REPLAY_ONLY === 'report') {
      const { token } = await server.login('commander');
      const figures = await reportFigures(server, token);
      await server.close();
      printReport(figures, total);
      return;
    }

    // The first replay ever of the operation: no checkpoints stored yet (a ranged read of every
    // log up to the moment); then the events walk stores every checkpoint.
    {
      const { token } = await server.login('commander');
      const first = await timed(server, token, state(moment()));
      const ev = await timed(server, token, `/api/operations/${OP}/replay/events`);
      console.log(`first replay ever: a moment ${ms(first.ms)}, then events (storing the checkpoints) ${ms(ev.ms)}`);
      await server.close();
    }

    // Cold: each run on a freshly started server (nothing cached, checkpoints stored), one random moment.
    const cold: number[] = [];
    let coldBytes = 0;
    for (let i = 0; i < COLD_RUNS; i++) {
      server = await startServer(null, { dataDir, ...clientDir });
      const { token } = await server.login('commander');
      const r = await timed(server, token, state(moment()));
      cold.push(r.ms);
      coldBytes = r.bytes;
      if (i < COLD_RUNS - 1) await server.close();
    }
    const { token } = await server.login('commander');
    // The newest moment, then random ones (each from the stored checkpoints).
    const lastOpen = await timed(server, token, state(h.end));
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push((await timed(server, token, state(moment()))).ms);
    const events = await timed(server, token, `/api/operations/${OP}/replay/events`);
    const positions: number[] = [];
    let posBytes = 0;
    for (let i = 0; i < 30; i++) {
      const r = await timed(server, token, `/api/operations/${OP}/replay/positions?at=${moment()}`);
      positions.push(r.ms);
      posBytes = r.bytes;
    }
    const report = await reportFigures(server, token);
    // The first moment ever of operations never replayed: the same history restored under other ids
    // (the restore stores the replay checkpoints), one moment each; then its background warm-up.
    const firstEver: number[] = [];
    const restoreMs: number[] = [];
    for (let i = 0; i < FIRST_RUNS; i++) {
      const id = `${OP}-first-${i}`;
      const t1 = performance.now();
      await storeHistory(server.ctx.storage, { ...h, op: { ...h.op, id }, fixes: [] });
      restoreMs.push(performance.now() - t1);
      firstEver.push((await timed(server, token, `/api/operations/${id}/replay/state?at=${moment()}`)).ms);
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const browserFigures = process.env.BENCH_REPLAY_BROWSER === '0' ? null : await playInBrowser(server, start);
    await server.close();

    const row = (name: string, xs: number[], note: string) => [
      name,
      String(xs.length),
      ms(percentile(xs, 50)),
      ms(percentile(xs, 99)),
      ms(Math.max(...xs)),
      note,
    ];
    printTable(`opening a moment: ${total} updates over 12 h, ${h.logs.size} documents (target ≤ 300 ms)`, [
      ['request', 'n', 'p50', 'p99', 'max', 'note'],
      row('state, first moment ever (never replayed)', firstEver, 'checkpoints stored by the restore'),
      row('state, cold (fresh server)', cold, `${(coldBytes / 1024).toFixed(0)} KiB JSON`),
      row('state at the end, right after a cold start', [lastOpen.ms], 'one checkpoint + the updates after it'),
      row('state, warm (random moments)', warm, 'nearest checkpoint + ≤ 1,000 updates per document'),
      row('events (whole operation)', [events.ms], `${(events.bytes / 1024).toFixed(0)} KiB`),
      row(`positions (${UNITS} units)`, positions, `${(posBytes / 1024).toFixed(0)} KiB`),
    ]);
    if (restoreMs.length)
      console.log(
        `restore of the ${total} updates with their replay checkpoints: p50 ${ms(percentile(restoreMs, 50))}, max ${ms(Math.max(...restoreMs))}`,
      );
    printReport(report, total);
    if (browserFigures) printBrowser(browserFigures);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The report and its map of the restored operation, one after the other: each one's time and the
 * longest gap between two 5 ms ticks of this process's event loop meanwhile (the server runs here,
 * so that is how long it answered nobody else).
 */
async function reportFigures(server: TestServer, token: string) {
  const out: Array<{
    name: string;
    ms: number;
    bytes: number;
    stallMs: number;
    heapMiB: number;
    retainedMiB: number | null;
  }> = [];
  for (const [name, path] of [
    ['report', `/api/operations/${OP}/report`],
    ['report map', `/api/operations/${OP}/report/map`],
  ] as const) {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    let last = performance.now();
    let stallMs = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      stallMs = Math.max(stallMs, now - last);
      last = now;
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 5);
    try {
      const r = await timed(server, token, path);
      const heapMiB = (Math.max(heapPeak, process.memoryUsage().heapUsed) - heapBefore) / 2 ** 20;
      out.push({ name, ...r, stallMs: Math.max(stallMs, performance.now() - last), heapMiB, retainedMiB: null });
    } finally {
      clearInterval(tick);
    }
    out.at(-1)!.retainedMiB = await retainedDuring(server, token, path);
  }
  return out;
}

/**
 * What a request holds, rather than the garbage it makes: the same request again, with a full
 * collection every 100 ms (`--expose-gc`; null without it), the largest heap found right after one.
 */
async function retainedDuring(server: TestServer, token: string, path: string): Promise<number | null> {
  const gc = globalThis.gc;
  if (!gc) return null;
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const tick = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 100);
  try {
    await timed(server, token, path);
  } finally {
    clearInterval(tick);
  }
  return (peak - before) / 2 ** 20;
}

function printReport(figures: Awaited<ReturnType<typeof reportFigures>>, total: number): void {
  printTable(`the after-action report of the restored operation (${total} updates, checkpoints, no snapshots)`, [
    ['request', 'time', 'longest event-loop stall', 'heap growth (peak)', 'held (peak after a GC)', 'size'],
    ...figures.map((f) => [
      f.name,
      ms(f.ms),
      ms(f.stallMs),
      `${f.heapMiB.toFixed(1)} MiB`,
      f.retainedMiB === null ? 'run with --expose-gc' : `${f.retainedMiB.toFixed(1)} MiB`,
      `${(f.bytes / 1024).toFixed(0)} KiB`,
    ]),
  ]);
}

function printBrowser(f: Awaited<ReturnType<typeof playInBrowser>>): void {
  console.log(
    `\nreplay page at 60× with ${UNITS} units in headless Chromium, ${BROWSER_SECONDS} s of play (target ≤ 200 ms busy per second):`,
  );
  console.log(
    `  moments shown: ${f.moments} (${(f.moments / BROWSER_SECONDS).toFixed(1)}/s), ${f.opMinutes.toFixed(1)} min of operation time, ${f.nodes} elements in the page, ${(f.renders / BROWSER_SECONDS).toFixed(1)} map renders/s`,
  );
  printMainThread(f.figures);
  if (f.traces) console.log(f.traces.playing);
  const longPaused = f.paused.longTasks.length;
  console.log(
    `  the same page paused (5 s): ${f.paused.busyMsPerSecond.toFixed(0)} ms busy per second, script ${f.paused.scriptMsPerSecond.toFixed(0)} ms, ${longPaused} long tasks, ${f.paused.frames.count} frames, ${f.pausedRenders} map renders`,
  );
  if (f.traces) console.log(f.traces.paused);
}

const BROWSER_SECONDS = Number(process.env.BENCH_REPLAY_SECONDS ?? 10);

/** The replay page plays the operation at 60×; the page's main thread is measured meanwhile. */
async function playInBrowser(server: TestServer, start: number) {
  const browser = await launchBrowser(null);
  try {
    const { context } = await newContext(browser, { viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    const from = start + 3 * 3_600_000;
    await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/replay/${OP}?at=${from}`);
    await page.locator(`[data-testid=replay-moment][data-at="${from}"]`).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=map][data-loaded=true]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid=replay-speed]').selectOption('60');
    // Paused means at rest: the map has drawn the moment (its first render in software WebGL takes
    // seconds under load) and nothing is pending.
    await page.evaluate(`new Promise((resolve) => {
      const map = window.jointmapMap;
      const done = () => setTimeout(resolve, 1000);
      if (!map || (map.loaded() && !map.isMoving())) done();
      else map.once('idle', done);
      setTimeout(resolve, 20000);
    })`);
    const shown = () =>
      page.evaluate(() => Number(document.querySelector('[data-testid=replay-moment]')?.getAttribute('data-at')));
    await page.evaluate(`(() => {
      window.benchMoments = 0;
      const el = document.querySelector('[data-testid=replay-moment]');
      new MutationObserver(() => window.benchMoments++).observe(el, { attributes: true, attributeFilter: ['data-at'] });
      window.benchRenders = 0;
      window.jointmapMap?.on('render', () => window.benchRenders++);
    })()`);
    // The same page paused: what the map and boards cost with nothing moving.
    const tracing = !!process.env.BENCH_TRACE;
    const idleProbe = await probeMainThread(context, page);
    const idleTrace = tracing ? await traceMainThread(context, page) : null;
    await page.waitForTimeout(5_000);
    const pausedTrace = (await idleTrace?.stop()) ?? '';
    const paused = await idleProbe.stop();
    const pausedRenders = (await page.evaluate('window.benchRenders')) as number;
    await page.locator('[data-testid=replay-play]').click();
    const probe = await probeMainThread(context, page);
    const playTrace = tracing ? await traceMainThread(context, page) : null;
    await page.waitForTimeout(BROWSER_SECONDS * 1_000);
    const playingTrace = (await playTrace?.stop()) ?? '';
    const figures = await probe.stop();
    const moments = (await page.evaluate('window.benchMoments')) as number;
    const renders = ((await page.evaluate('window.benchRenders')) as number) - pausedRenders;
    const nodes = (await page.evaluate("document.getElementsByTagName('*').length")) as number;
    const opMinutes = ((await shown()) - from) / 60_000;
    await context.close();
    const traces = tracing ? { paused: pausedTrace, playing: playingTrace } : null;
    return { figures, paused, moments, opMinutes, traces, nodes, renders, pausedRenders };
  } finally {
    await browser.close();
  }
}
