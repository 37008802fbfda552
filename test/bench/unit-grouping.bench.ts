/**
 * What grouping unit markers costs the browser: the same page with 1,000 units moving at 1 fix/s
 * (real OsmAnd HTTP requests, as in browser-units), measured with the units source grouped (as
 * shipped) and with grouping switched off on that source (`setClusterOptions({cluster: false})`),
 * alternately, in one run, so that both see the same machine load. Prints main-thread busy time per
 * second (CDP TaskDuration), long tasks and frame times for each.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, login, spawnServer, tempDir } from '../helpers/server.ts';
import { printMainThread, probeMainThread } from './lib/browser.ts';
import { moveUnits, registerUnits } from './lib/moving-units.ts';

const UNITS = Number(process.env.BENCH_UNITS ?? 1_000);
const MEASURE_SECONDS = Number(process.env.BENCH_UNITS_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_GROUPING_ROUNDS ?? 2);

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
  const browser = await launchBrowser(null);
  let fleet: ReturnType<typeof moveUnits> | null = null;
  try {
    const commander = await login(server.url, 'commander');
    await registerUnits(server.url, commander.token, UNITS);
    fleet = moveUnits(server.url, UNITS);
    const { counts } = fleet;

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
        const accepted0 = counts.accepted;
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
          `  fixes: ${((counts.accepted - accepted0) / figures.seconds).toFixed(0)}/s accepted; load average ${loadavg()[0]!.toFixed(2)}`,
        );
        printMainThread(figures);
        await context.close();
      }
    }
  } finally {
    await fleet?.stop();
    await browser.close();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
