/**
 * What grouping unit markers costs the browser: the same page with 1,000 units moving at 1 fix/s
 * (real OsmAnd HTTP requests, as in browser-units), measured with the units source grouped (as
 * shipped) and with grouping switched off on that source (`setClusterOptions({cluster: false})`),
 * alternately, in one run, so that both see the same machine load. Prints main-thread busy time per
 * second (CDP TaskDuration), long tasks and frame times for each.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import type { UnitKind } from '@jointmap/shared';
import { launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, login, spawnServer, tempDir } from '../helpers/server.ts';
import { printMainThread, probeMainThread } from './lib/browser.ts';

const UNITS = Number(process.env.BENCH_UNITS ?? 1_000);
const MEASURE_SECONDS = Number(process.env.BENCH_UNITS_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_GROUPING_ROUNDS ?? 2);
const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
const KINDS: UnitKind[] = ['car', 'foot', 'motorbike', 'car', 'drone', 'dog', 'boat'];
/** Centre of each station's units (WGS-84, near the tri-county junction): many overlap at low zoom. */
const CENTRES: Record<string, [number, number]> = {
  'deqing-yuyue': [120.2, 30.56],
  'linping-yunhe': [120.28, 30.45],
  'tongxiang-zhouquan': [120.38, 30.56],
};

type Hooks = { jointmap?: { session: { live: { latest: Map<string, unknown> } } } };
type MapHooks = {
  jointmapMap: {
    getSource(id: string): { setClusterOptions(o: { cluster: boolean }): Promise<void> };
    queryRenderedFeatures(o: { layers: string[] }): unknown[];
  };
};

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-grouping-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const browser = await launchBrowser(null);
  let sending = true;
  try {
    const commander = await login(server.url, 'commander');
    await registerUnits(server.url, commander.token);
    const movers = Array.from({ length: UNITS }, (_, i) => {
      const [lng, lat] = CENTRES[STATIONS[i % STATIONS.length]!]!;
      return {
        deviceId: `bench-d-${i}`,
        lng: lng + (((i * 7919) % 1000) - 500) / 8_000,
        lat: lat + (((i * 104729) % 1000) - 500) / 12_000,
        heading: (i * 37) % 360,
      };
    });
    let accepted = 0;
    const sendOne = (m: (typeof movers)[number]) => {
      m.heading = (m.heading + (Math.random() - 0.5) * 20 + 360) % 360;
      m.lng += Math.sin((m.heading * Math.PI) / 180) * 0.0001;
      m.lat += Math.cos((m.heading * Math.PI) / 180) * 0.0001;
      const body = `id=${m.deviceId}&lat=${m.lat.toFixed(7)}&lon=${m.lng.toFixed(7)}&timestamp=${Date.now()}&speed=21.6&bearing=${m.heading.toFixed(0)}`;
      const req = http.request(
        `${server.url}/api/positions/osmand`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          if (res.statusCode === 200) accepted++;
        },
      );
      req.on('error', () => {});
      req.end(body);
    };
    const start = Date.now();
    const loop = (async () => {
      for (let tick = 0; sending; tick++) {
        const from = Math.floor(((tick % 20) * UNITS) / 20);
        const to = Math.floor((((tick % 20) + 1) * UNITS) / 20);
        for (let i = from; i < to; i++) sendOne(movers[i]!);
        await new Promise((r) => setTimeout(r, Math.max(0, start + (tick + 1) * 50 - Date.now())));
      }
    })();

    for (const [label, user, hash, viewport] of [
      ['console (dispatcher 临平)', 'linping', `#/op/${DEMO_OP}`, { width: 1280, height: 800 }],
      ['wall', 'wall', `#/wall/${DEMO_OP}`, { width: 1920, height: 1080 }],
    ] as const) {
      for (let round = 0; round < ROUNDS * 2; round++) {
        const grouped = round % 2 === 0;
        // A fresh page per measurement: the probe's frame counter cannot be removed from a page.
        const { context } = await newContext(browser, { viewport });
        const page = await context.newPage();
        await loginAs(page, server.url, user, DEMO_PASSWORD, hash);
        await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
        await page.waitForFunction(
          (u) => (window as unknown as Hooks).jointmap?.session.live.latest.size === u,
          UNITS,
          { timeout: 90_000 },
        );
        if (!grouped)
          await page.evaluate(() =>
            (window as unknown as MapHooks).jointmapMap.getSource('units').setClusterOptions({ cluster: false }),
          );
        await page.waitForTimeout(3000);
        const accepted0 = accepted;
        const probe = await probeMainThread(context, page);
        await page.waitForTimeout(MEASURE_SECONDS * 1000);
        const figures = await probe.stop();
        const groups = await page.evaluate(
          () => (window as unknown as MapHooks).jointmapMap.queryRenderedFeatures({ layers: ['unit-group'] }).length,
        );
        console.log(
          `unit-grouping, ${label}, ${grouped ? 'grouped' : 'not grouped'} (round ${Math.floor(round / 2) + 1}): ${UNITS} units moving, ${groups} groups drawn`,
        );
        console.log(
          `  fixes: ${((accepted - accepted0) / figures.seconds).toFixed(0)}/s accepted; load average ${loadavg()[0]!.toFixed(2)}`,
        );
        printMainThread(figures);
        await context.close();
      }
    }
    sending = false;
    await loop;
  } finally {
    sending = false;
    await browser.close();
    agent.destroy();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Unit records and their trackers, as a commander (as browser-units registers them). */
async function registerUnits(url: string, token: string): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  let next = 0;
  const worker = async () => {
    while (next < UNITS) {
      const i = next++;
      const stationId = STATIONS[i % STATIONS.length]!;
      await post(`/api/operations/${DEMO_OP}/units`, {
        id: `bench-u-${i}`,
        callsign: `巡${String(i).padStart(4, '0')}`,
        kind: KINDS[i % KINDS.length],
        stationId,
        status: 'available',
      });
      await post('/api/devices', { id: `bench-d-${i}`, stationId, unitId: `bench-u-${i}`, label: `bench ${i}` });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
