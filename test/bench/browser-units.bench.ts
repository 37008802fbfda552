/**
 * Headless Chromium shows 1,000 units moving at 1 fix/s each (real OsmAnd HTTP requests from this
 * process, as Traccar Client sends them) plus 5,000 annotations, first in the console, then on the
 * wall. Prints main-thread busy time per second (CDP TaskDuration), long tasks and frame times.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { applyChange, docName, type ChangeOrigin, type UnitKind } from '@jointmap/shared';
import { launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, login, spawnServer, tempDir } from '../helpers/server.ts';
import { connectClient, waitSynced } from '../helpers/sync-client.ts';
import { benchAnnotation, printMainThread, probeMainThread } from './lib/browser.ts';

const UNITS = Number(process.env.BENCH_UNITS ?? 1_000);
const ANNOTATIONS = 5_000;
const MEASURE_SECONDS = Number(process.env.BENCH_UNITS_SECONDS ?? 10);
const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
const KINDS: UnitKind[] = ['car', 'foot', 'motorbike', 'car', 'drone', 'dog', 'boat'];
/** Centre of each station's units (WGS-84, inside its district, near the tri-county junction). */
const CENTRES: Record<string, [number, number]> = {
  'deqing-yuyue': [120.2, 30.56],
  'linping-yunhe': [120.28, 30.45],
  'tongxiang-zhouquan': [120.38, 30.56],
};

interface Mover {
  deviceId: string;
  lng: number;
  lat: number;
  heading: number;
}

type Hooks = { jointmap?: { session: { annotations: { size: number }; live: { latest: Map<string, unknown> } } } };

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-units-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const browser = await launchBrowser(null);
  let sending = true;
  try {
    const commander = await login(server.url, 'commander');
    const t0 = performance.now();
    await registerUnits(server.url, commander.token);
    console.log(
      `  registered ${UNITS} units and trackers over REST in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const editor = await login(server.url, 'deqing');
    const client = await connectClient(null, server.wsUrl, docName(DEMO_OP, 'deqing-yuyue'), editor.token);
    const origin: ChangeOrigin = { source: 'session', sessionId: 'bench', userId: editor.user.id };
    const now = Date.now();
    for (let i = 0; i < ANNOTATIONS; i += 500) {
      const batch = Array.from({ length: Math.min(500, ANNOTATIONS - i) }, (_, k) => benchAnnotation(i + k, now));
      applyChange(
        client.doc,
        'station',
        { type: 'batch', changes: batch.map((a) => ({ type: 'put', map: 'annotations', key: a.id, value: a })) },
        origin,
      );
    }
    await waitSynced(client.provider);
    client.destroy();

    // Senders: unit i reports at phase i/UNITS of every second, each fix a form POST (Traccar Client 10).
    const movers: Mover[] = Array.from({ length: UNITS }, (_, i) => {
      const [lng, lat] = CENTRES[STATIONS[i % STATIONS.length]!]!;
      return {
        deviceId: `bench-d-${i}`,
        lng: lng + (((i * 7919) % 1000) - 500) / 8_000,
        lat: lat + (((i * 104729) % 1000) - 500) / 12_000,
        heading: (i * 37) % 360,
      };
    });
    let sent = 0;
    let accepted = 0;
    let refused = 0;
    const sendOne = (m: Mover) => {
      m.heading = (m.heading + (Math.random() - 0.5) * 20 + 360) % 360;
      m.lng += Math.sin((m.heading * Math.PI) / 180) * 0.0001;
      m.lat += Math.cos((m.heading * Math.PI) / 180) * 0.0001;
      const body = `id=${m.deviceId}&lat=${m.lat.toFixed(7)}&lon=${m.lng.toFixed(7)}&timestamp=${Date.now()}&speed=21.6&bearing=${m.heading.toFixed(0)}&accuracy=5&batt=80`;
      sent++;
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
          else refused++;
        },
      );
      req.on('error', () => refused++);
      req.end(body);
    };
    const start = Date.now();
    const loop = (async () => {
      for (let tick = 0; sending; tick++) {
        // 20 ticks a second, each sending the units whose phase falls in it.
        const from = Math.floor(((tick % 20) * UNITS) / 20);
        const to = Math.floor((((tick % 20) + 1) * UNITS) / 20);
        for (let i = from; i < to; i++) sendOne(movers[i]!);
        const due = start + (tick + 1) * 50;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      }
    })();

    for (const [label, user, hash, viewport] of [
      ['console (dispatcher 临平)', 'linping', `#/op/${DEMO_OP}`, { width: 1280, height: 800 }],
      ['wall', 'wall', `#/wall/${DEMO_OP}`, { width: 1920, height: 1080 }],
    ] as const) {
      const { context } = await newContext(browser, { viewport });
      const page = await context.newPage();
      await loginAs(page, server.url, user, DEMO_PASSWORD, hash);
      // Not waitForMap: with units moving the map is never idle (tiles of the units source reload).
      await page.waitForSelector('[data-testid=map][data-loaded=true]', { timeout: 60_000 });
      await page.waitForFunction(
        ({ a, u }) => {
          const j = (window as unknown as Hooks).jointmap;
          return j?.session.annotations.size === a && j.session.live.latest.size === u;
        },
        { a: ANNOTATIONS, u: UNITS },
        { timeout: 90_000 },
      );
      await page.waitForTimeout(3000);
      const sent0 = sent;
      const accepted0 = accepted;
      const probe = await probeMainThread(context, page);
      await page.waitForTimeout(MEASURE_SECONDS * 1000);
      const figures = await probe.stop();
      const drawn = await page.evaluate(async () => {
        const map = (
          window as unknown as {
            jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } };
          }
        ).jointmapMap;
        return (await map.getSource('units').getData()).features.length;
      });
      console.log(
        `browser-units, ${label}: ${UNITS} units moving + ${ANNOTATIONS} annotations; ${drawn} unit markers in the source`,
      );
      console.log(
        `  fixes: ${((sent - sent0) / figures.seconds).toFixed(0)}/s sent, ${((accepted - accepted0) / figures.seconds).toFixed(0)}/s accepted (refused so far: ${refused}); load average ${loadavg()[0]!.toFixed(2)}`,
      );
      printMainThread(figures);
      await context.close();
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

/** Unit records (`POST /api/operations/:id/units`) and their trackers (`POST /api/devices`), as a commander. */
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
