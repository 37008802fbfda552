/**
 * Headless Chromium shows 1,000 units moving at 1 fix/s each (real OsmAnd HTTP requests from this
 * process, as Traccar Client sends them) plus 5,000 annotations, first in the console, then on the
 * wall. Prints main-thread busy time per second (CDP TaskDuration), long tasks and frame times.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { applyChange, docName, type ChangeOrigin } from '@jointmap/shared';
import { launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, login, spawnServer, tempDir } from '../helpers/server.ts';
import { connectClient, waitSynced } from '../helpers/sync-client.ts';
import { benchAnnotation, printMainThread, probeMainThread } from './lib/browser.ts';
import { moveUnits, registerUnits } from './lib/moving-units.ts';

const UNITS = Number(process.env.BENCH_UNITS ?? 1_000);
const ANNOTATIONS = 5_000;
const MEASURE_SECONDS = Number(process.env.BENCH_UNITS_SECONDS ?? 10);
type Hooks = { jointmap?: { session: { annotations: { size: number }; live: { latest: Map<string, unknown> } } } };

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-units-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const browser = await launchBrowser(null);
  let fleet: ReturnType<typeof moveUnits> | null = null;
  try {
    const commander = await login(server.url, 'commander');
    const t0 = performance.now();
    await registerUnits(server.url, commander.token, UNITS);
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

    // Unit i reports at phase i/UNITS of every second, each fix a form POST (Traccar Client 10).
    fleet = moveUnits(server.url, UNITS);
    const { counts } = fleet;

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
      const sent0 = counts.sent;
      const accepted0 = counts.accepted;
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
        `  fixes: ${((counts.sent - sent0) / figures.seconds).toFixed(0)}/s sent, ${((counts.accepted - accepted0) / figures.seconds).toFixed(0)}/s accepted (refused so far: ${counts.refused}); load average ${loadavg()[0]!.toFixed(2)}`,
      );
      printMainThread(figures);
      await context.close();
    }
  } finally {
    await fleet?.stop();
    await browser.close();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
