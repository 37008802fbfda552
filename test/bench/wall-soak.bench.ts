/**
 * Wall display soak: the real server (child process) with the demo operation, headless Chromium on
 * `/#/wall/demo-tricounty` (viewer `wall`), and for BENCH_SOAK_SECONDS (default 300) realistic
 * traffic — the 8 demo units' trackers sending OsmAnd fixes at 1/s along plausible paths, a
 * dispatcher (`deqing`, stock y-websocket client) editing annotations every few seconds and moving
 * its pointer, and two server restarts on the same data dir and port (one SIGTERM, one SIGKILL).
 * Every 15 s the page's JS heap is measured after a forced GC (CDP), with DOM node and listener
 * counts and renderer/GPU/server RSS; prints the series and the heap slope over the second half.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { applyChange, docName, type Annotation, type ChangeOrigin } from '@jointmap/shared';
import { DEMO_UNITS } from '../../server/src/seed/demo-units.ts';
import { createWalker, seededRng, step, type Walker } from '../../server/src/tools/sim-walker.ts';
import { launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, login, spawnServer, tempDir, type ServerProcess } from '../helpers/server.ts';
import { connectClient, type SyncClient } from '../helpers/sync-client.ts';
import { benchAnnotation } from './lib/browser.ts';
import { rssBytes } from './lib/proc.ts';
import { memoryProbe, mib, slope, type PageMemory } from './lib/soak.ts';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const SAMPLE_MS = 15_000;
const EDIT_MS = 3_000;
const POINTER_MS = 2_000;
/** The dispatcher keeps this many annotations, moving them around (and sometimes deleting one). */
const ANNOTATIONS = 12;
/** How long the server stays down at each restart. */
const DOWN_MS = 5_000;
const JUNCTION: [number, number] = [120.2954, 30.5222];

type Hooks = {
  jointmap?: { session: { annotations: { size: number }; live: { latest: Map<string, { time: number }> } } };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-soak-');
  let server: ServerProcess = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const port = new URL(server.url).port;
  const serverRss: string[] = [`start ${mib(rssBytes(server.child.pid!))} MiB`];
  const browser = await launchBrowser(null);
  let running = true;
  let dispatcher: SyncClient | null = null;
  let command: SyncClient | null = null;
  const counters = { sent: 0, accepted: 0, failed: 0, edits: 0, pointer: 0 };
  try {
    // --- traffic sources ------------------------------------------------------------------------
    const commander = await login(server.url, 'commander');
    const areas = (await (
      await fetch(`${server.url}/api/operations/${DEMO_OP}/jurisdictions.geojson`, {
        headers: { authorization: `Bearer ${commander.token}` },
      })
    ).json()) as {
      features: Array<{ properties: { stationId: string }; geometry: Parameters<typeof createWalker>[0] }>;
    };
    const areaOf = new Map(areas.features.map((f) => [f.properties.stationId, f.geometry]));
    const rng = seededRng(7);
    const walkers = DEMO_UNITS.map((u) => ({
      deviceId: u.deviceId,
      walker: createWalker(areaOf.get(u.stationId)!, u.kind, JUNCTION, rng, u.kind === 'drone' ? 3 : 6) as Walker,
    }));

    const editor = await login(server.url, 'deqing');
    dispatcher = await connectClient(null, server.wsUrl, docName(DEMO_OP, 'deqing-yuyue'), editor.token);
    command = await connectClient(null, server.wsUrl, docName(DEMO_OP, 'command'), editor.token);
    const origin: ChangeOrigin = { source: 'session', sessionId: 'soak', userId: editor.user.id };

    // --- the wall -------------------------------------------------------------------------------
    const { context, guard } = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
    await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
    const probe = await memoryProbe(context, page);

    const start = Date.now();
    const elapsed = () => (Date.now() - start) / 1000;

    // 8 trackers at 1 fix/s, phased over the second (OsmAnd form POST, as Traccar Client 10).
    const senders = (async () => {
      for (let tick = 0; running; tick++) {
        for (let i = 0; i < walkers.length && running; i++) {
          const due = start + tick * 1000 + (i * 1000) / walkers.length;
          await sleep(Math.max(0, due - Date.now()));
          const { deviceId, walker } = walkers[i]!;
          const fix = step(walker, 1, rng);
          const body = new URLSearchParams({
            id: deviceId,
            lat: String(fix.lngLat[1]),
            lon: String(fix.lngLat[0]),
            timestamp: String(Math.floor(Date.now() / 1000)),
            speed: (fix.speedMps / (1852 / 3600)).toFixed(2),
            bearing: String(fix.bearing),
            accuracy: String(fix.accuracy),
            batt: '80',
          }).toString();
          counters.sent++;
          fetch(`${server.url}/api/positions/osmand`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            signal: AbortSignal.timeout(5_000),
          })
            .then(async (res) => {
              await res.arrayBuffer();
              if (res.ok) counters.accepted++;
              else counters.failed++;
            })
            .catch(() => counters.failed++);
        }
      }
    })();

    // The dispatcher moves its annotations every few seconds; every 10th edit deletes one (the
    // next edit of that id draws it again), so the set stays about the same size.
    const editing = (async () => {
      for (let n = 0; running; n++) {
        await sleep(EDIT_MS);
        if (!running || !dispatcher) break;
        const i = n % ANNOTATIONS;
        const key = `soak-${i}`;
        if (n % 10 === 9) {
          applyChange(dispatcher.doc, 'station', { type: 'delete', map: 'annotations', key }, origin);
        } else {
          const a = benchAnnotation(i, Date.now());
          const shift = ((n % 50) - 25) * 0.0004;
          const moved = JSON.parse(
            JSON.stringify({ ...a, id: key, label: `调度${n}` }, (_k, v: unknown) =>
              Array.isArray(v) && typeof v[0] === 'number' ? [v[0] + 0.35 + shift, (v[1] as number) + 0.1] : v,
            ),
          ) as Annotation;
          applyChange(dispatcher.doc, 'station', { type: 'put', map: 'annotations', key, value: moved }, origin);
        }
        counters.edits++;
      }
    })();
    const pointer = (async () => {
      for (let n = 0; running; n++) {
        await sleep(POINTER_MS);
        command?.provider.awareness.setLocalStateField('pointer', [120.2 + (n % 40) * 0.002, 30.5]);
        counters.pointer++;
      }
    })();

    // Two restarts at a third and two thirds of the run: stop, stay down DOWN_MS, start again.
    const restarts: string[] = [];
    const restarting = (async () => {
      for (const [k, signal] of [
        [1, 'SIGTERM'],
        [2, 'SIGKILL'],
      ] as const) {
        const at = start + (k * SECONDS * 1000) / 3;
        while (running && Date.now() < at) await sleep(200);
        if (!running) return;
        serverRss.push(`before restart ${k} ${mib(rssBytes(server.child.pid!))} MiB`);
        const t0 = elapsed();
        await server.kill(signal);
        await sleep(DOWN_MS);
        server = await spawnServer(dataDir, { LOG_LEVEL: 'warn', PORT: port });
        serverRss.push(`after restart ${k} ${mib(rssBytes(server.child.pid!))} MiB`);
        const back = await wallBack(page, Date.now());
        restarts.push(
          `restart ${k} (${signal}) at ${t0.toFixed(0)} s: down ${(DOWN_MS / 1000).toFixed(0)} s, wall synced again ${back.sync.toFixed(1)} s and new fixes shown ${back.live.toFixed(1)} s after the server was back`,
        );
      }
    })();

    // --- sampling -------------------------------------------------------------------------------
    const samples: PageMemory[] = [];
    for (let k = 0; k * SAMPLE_MS <= SECONDS * 1000; k++) {
      await sleep(Math.max(0, start + k * SAMPLE_MS - Date.now()));
      const s = await probe(elapsed(), server.child.exitCode === null ? server.child.pid : undefined);
      samples.push(s);
      console.log(
        `  t=${s.t.toFixed(0).padStart(4)} s  heap ${mib(s.heap).padStart(6)} MiB  nodes ${String(s.nodes).padStart(5)}  listeners ${String(s.listeners).padStart(4)}  renderer ${mib(s.rendererRss)} MiB  gpu ${mib(s.gpuRss)} MiB  server ${Number.isNaN(s.serverRss) ? '(down)' : `${mib(s.serverRss)} MiB`}`,
      );
    }
    running = false;
    await Promise.all([senders, editing, pointer, restarting]);
    serverRss.push(`end ${mib(rssBytes(server.child.pid!))} MiB`);

    const state = await page.evaluate(() => {
      const j = (window as unknown as Hooks).jointmap!;
      return { annotations: j.session.annotations.size, units: j.session.live.latest.size };
    });
    const half = samples.filter((s) => s.t >= SECONDS / 2);
    const heapSlope = slope(half.map((s) => [s.t / 60, s.heap / 1024]));
    const nodeSlope = slope(half.map((s) => [s.t / 60, s.nodes]));
    const listenerSlope = slope(half.map((s) => [s.t / 60, s.listeners]));
    const rendererSlope = slope(half.map((s) => [s.t / 60, s.rendererRss / 1024]));
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    console.log(`wall-soak: ${(SECONDS / 60).toFixed(1)} min of wall display under traffic (not days)`);
    console.log(
      `  traffic: ${counters.sent} fixes sent (${counters.accepted} accepted, ${counters.failed} failed, mostly while the server was down), ${counters.edits} annotation edits, ${counters.pointer} pointer moves`,
    );
    for (const r of restarts) console.log(`  ${r}`);
    console.log(`  wall at the end: ${state.annotations} annotations, ${state.units} units with a position`);
    console.log(
      `  heap after GC: ${mib(first.heap)} → ${mib(last.heap)} MiB; slope over the second half (${half.length} samples): ${heapSlope.toFixed(1)} KiB/min = ${((heapSlope * 1440) / 1024).toFixed(1)} MiB/day if it kept on`,
    );
    console.log(
      `  DOM nodes ${first.nodes} → ${last.nodes} (${nodeSlope.toFixed(1)}/min), listeners ${first.listeners} → ${last.listeners} (${listenerSlope.toFixed(1)}/min), documents ${last.documents}`,
    );
    console.log(
      `  renderer RSS ${mib(first.rendererRss)} → ${mib(last.rendererRss)} MiB (second half ${rendererSlope.toFixed(0)} KiB/min), GPU process ${mib(first.gpuRss)} → ${mib(last.gpuRss)} MiB`,
    );
    console.log(`  server RSS: ${serverRss.join(', ')}`);
    console.log(`  outside requests: ${guard.outside.length}; load average ${loadavg()[0]!.toFixed(2)}`);
    await context.close();
  } finally {
    running = false;
    dispatcher?.destroy();
    command?.destroy();
    await browser.close();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Seconds until the wall's documents are synced again and until it shows a fix newer than `since`
 * (the live channel reconnected too), measured from `since`.
 */
async function wallBack(page: Page, since: number): Promise<{ sync: number; live: number }> {
  await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 60_000 });
  const sync = (Date.now() - since) / 1000;
  await page.waitForFunction(
    (t) => {
      const latest = (window as unknown as Hooks).jointmap?.session.live.latest;
      // OsmAnd timestamps are whole seconds.
      return !!latest && [...latest.values()].some((p) => p.time >= Math.floor(t / 1000) * 1000);
    },
    since,
    { timeout: 60_000, polling: 250 },
  );
  return { sync, live: (Date.now() - since) / 1000 };
}
