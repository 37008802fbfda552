import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

// Near the tri-county junction, inside 德清 (WGS-84).
const START: [number, number] = [120.27, 30.53];

interface UnitProps {
  unitId: string;
  freshness: string;
  fill: string;
  label: string;
  bearing: number;
}

/** Send one fix as Traccar Client does (OsmAnd protocol, plain HTTP, no login). */
async function sendFix(url: string, deviceId: string, [lon, lat]: [number, number], bearing = 45): Promise<void> {
  const q = new URLSearchParams({
    id: deviceId,
    lat: String(lat),
    lon: String(lon),
    timestamp: String(Date.now()),
    speed: '20',
    bearing: String(bearing),
    batt: '87',
  });
  const res = await fetch(`${url}/api/positions/osmand?${q}`, { method: 'POST' });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The unit's feature as the map's `units` source holds it (what the layer was given). */
function unitFeature(
  page: Page,
  unitId: string,
): Promise<{ coordinates: [number, number]; properties: UnitProps } | null> {
  return page.evaluate(async (id) => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    const data = await map.getSource('units').getData();
    const f = data.features.find((x) => x.properties?.unitId === id);
    return f
      ? {
          coordinates: (f.geometry as GeoJSON.Point).coordinates as [number, number],
          properties: f.properties as UnitProps,
        }
      : null;
  }, unitId);
}

/** Unit ids drawn on screen right now (the marker layer, not just the source). */
function renderedUnits(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const map = (
      window as unknown as {
        jointmapMap: { queryRenderedFeatures(o: { layers: string[] }): Array<{ properties: { unitId: string } }> };
      }
    ).jointmapMap;
    return map.queryRenderedFeatures({ layers: ['unit-ring'] }).map((f) => f.properties.unitId);
  });
}

test('a tracked unit moves on the console map, turns grey when its fixes stop, and its track replays', async (t) => {
  assertClientBuilt();
  // Stale after 10 s: a loaded 2-core machine took over 2.5 s from a fix to its marker.
  const server = await startServer(t, { staleAfterMs: 10_000, lostAfterMs: 600_000 });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=live-state][data-state=online]');

  const unitId = 'yuyue-car-01';
  await sendFix(server.url, 'demo-yuyue-01', START);
  // Read in one go: a second read may come after the fix went stale.
  await expect
    .poll(() => unitFeature(page, unitId), { timeout: 10_000 })
    .toMatchObject({
      coordinates: START,
      properties: { freshness: 'live', label: '禹越巡01', fill: '#16a34a', bearing: 45 },
    });
  await expect.poll(() => renderedUnits(page), { timeout: 10_000 }).toContain(unitId);

  // It drives north-east for a few fixes: the marker follows each one.
  let at = START;
  for (let i = 1; i <= 4; i++) {
    at = [START[0] + i * 0.004, START[1] + i * 0.003];
    await sendFix(server.url, 'demo-yuyue-01', at);
    await expect.poll(async () => (await unitFeature(page, unitId))?.coordinates, { timeout: 5_000 }).toEqual(at);
  }
  const screenStart = await page.evaluate(
    (ll) =>
      (
        window as unknown as { jointmapMap: { project(p: [number, number]): { x: number; y: number } } }
      ).jointmapMap.project(ll),
    START,
  );
  const screenNow = await page.evaluate(
    (ll) =>
      (
        window as unknown as { jointmapMap: { project(p: [number, number]): { x: number; y: number } } }
      ).jointmapMap.project(ll),
    at,
  );
  expect(Math.hypot(screenNow.x - screenStart.x, screenNow.y - screenStart.y)).toBeGreaterThan(5);
  expect((await unitFeature(page, unitId))!.properties.freshness).toBe('live');

  // Click the marker: details show the unit, live.
  const box = (await page.locator('[data-testid=map] canvas').boundingBox())!;
  await page.mouse.click(box.x + screenNow.x, box.y + screenNow.y);
  await page.waitForSelector(`[data-testid=unit-details][data-unit=${unitId}][data-freshness=live]`);

  // Fixes stop: after the (short) stale threshold the marker turns grey, on the board too.
  await expect
    .poll(async () => (await unitFeature(page, unitId))?.properties, { timeout: 25_000 })
    .toMatchObject({ freshness: 'stale', fill: '#9ca3af' });
  await page.waitForSelector(`[data-testid=unit-details][data-unit=${unitId}][data-freshness=stale]`);
  await page.waitForSelector(`[data-testid=roster-unit][data-unit=${unitId}][data-freshness=stale]`);
  expect(await renderedUnits(page)).toContain(unitId);

  // Track replay: the last 15 minutes hold the five fixes; the slider walks them.
  await page.click('[data-testid=track-replay] button:has-text("近15分钟")');
  await page.waitForSelector('[data-testid=track-slider]');
  expect(await page.getAttribute('[data-testid=track-slider]', 'max')).toBe('4');
  await page.fill('[data-testid=track-slider]', '0');
  const cursor = () =>
    page.evaluate(async () => {
      const map = (
        window as unknown as {
          jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } };
        }
      ).jointmapMap;
      const fc = await map.getSource('unit-track').getData();
      return (fc.features.find((f) => f.properties?.part === 'cursor')?.geometry as GeoJSON.Point | undefined)
        ?.coordinates;
    });
  await expect.poll(cursor, { timeout: 5_000 }).toEqual(START);

  // A new fix brings it back to live.
  await sendFix(server.url, 'demo-yuyue-01', [at[0] + 0.001, at[1]]);
  await expect
    .poll(async () => (await unitFeature(page, unitId))?.properties.freshness, { timeout: 5_000 })
    .toBe('live');
  expect(guard.outside).toEqual([]);
});

test('a dispatcher adds a unit to their own roster, registers its tracker and sets its status; the wall shows it; others cannot edit', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const d = await newContext(browser);
  const o = await newContext(browser);
  const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const [pd, po, pw] = await Promise.all([d.context.newPage(), o.context.newPage(), w.context.newPage()]);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(po, server.url, 'linping', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  for (const p of [pd, po, pw]) await p.waitForSelector('[data-testid=connection][data-state=online]');

  // The UI offers roster editing only for the dispatcher's own station.
  await pd.waitForSelector('[data-testid=roster-station][data-station=deqing-yuyue][data-writable=true]');
  expect(await pd.locator('[data-testid=roster-station][data-writable=true]').count()).toBe(1);
  expect(
    await pd
      .locator('[data-testid=roster-station][data-station=linping-yunhe] [data-testid=unit-status-select]')
      .count(),
  ).toBe(0);

  await pd.click('[data-testid=roster-station][data-station=deqing-yuyue] [data-testid=roster-add]');
  await pd.fill('[data-testid=unit-callsign-input]', '禹越巡09');
  await pd.selectOption('[data-testid=unit-kind-select]', 'motorbike');
  await pd.fill('[data-testid=unit-members-input]', '民警甲，辅警乙');
  await pd.click('[data-testid=unit-save]');
  const row = pd.locator(
    '[data-testid=roster-station][data-station=deqing-yuyue] [data-testid=roster-unit]:has-text("禹越巡09")',
  );
  await row.waitFor();
  const unitId = (await row.getAttribute('data-unit'))!;
  await row.locator('[data-testid=unit-status-select]').selectOption('en_route');

  // The record is in the station document as written (attributed to the session) …
  const record = await pd.evaluate(
    (id) =>
      (
        window as unknown as {
          jointmap: {
            session: { docs: Array<{ scope: string; doc: { getMap(n: string): { get(k: string): unknown } } }> };
          };
        }
      ).jointmap.session.docs
        .find((x) => x.scope === 'deqing-yuyue')!
        .doc.getMap('units')
        .get(id),
    unitId,
  );
  expect(record).toMatchObject({
    callsign: '禹越巡09',
    kind: 'motorbike',
    status: 'en_route',
    members: ['民警甲', '辅警乙'],
    stationId: 'deqing-yuyue',
  });

  // … the wall's unit board shows it with its status, and the other station sees it read-only.
  await pw.waitForSelector(`[data-testid=unit-board-row][data-unit=${unitId}][data-status=en_route]`);
  expect(await pw.textContent(`[data-testid=unit-board-row][data-unit=${unitId}]`)).toContain('前往中');
  await po.waitForSelector(`[data-testid=roster-unit][data-unit=${unitId}]`);
  expect(
    await po.locator(`[data-testid=roster-unit][data-unit=${unitId}] [data-testid=unit-status-select]`).count(),
  ).toBe(0);
  await po.click(`[data-testid=roster-unit][data-unit=${unitId}] button`);
  await po.waitForSelector(`[data-testid=unit-details][data-unit=${unitId}]`);
  expect(await po.locator('[data-testid=unit-edit]').count()).toBe(0);
  expect(await po.locator('[data-testid=device-register]').count()).toBe(0);

  // Register a tracker to the new unit from its details; the server mirrors it into the record.
  await pd.click(`[data-testid=roster-unit][data-unit=${unitId}] button`);
  await pd.fill('[data-testid=device-id-input]', 'e2e-moto-09');
  await pd.click('[data-testid=device-register]');
  await pd.waitForSelector('[data-testid=device][data-device=e2e-moto-09]');
  const fix = new URLSearchParams({ id: 'e2e-moto-09', lat: '30.54', lon: '120.28', timestamp: String(Date.now()) });
  expect((await fetch(`${server.url}/api/positions/osmand?${fix}`)).status).toBe(200);
  await pw.waitForSelector(`[data-testid=unit-board-row][data-unit=${unitId}][data-freshness=live]`);
  await expect
    .poll(() =>
      pw.evaluate(
        (id) =>
          (
            window as unknown as {
              jointmap: { session: { live: { positionOf(i: string): { lngLat: number[] } | undefined } } };
            }
          ).jointmap.session.live.positionOf(id)?.lngLat,
        // Live positions are keyed by station and unit (`unitKey`).
        `deqing-yuyue/${unitId}`,
      ),
    )
    .toEqual([120.28, 30.54]);

  // A viewer opening the console gets no roster controls at all.
  const v = await newContext(browser);
  const pv = await v.context.newPage();
  await loginAs(pv, server.url, 'wall', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await pv.waitForSelector(`[data-testid=roster-unit][data-unit=${unitId}]`);
  expect(await pv.locator('[data-testid=roster-station][data-writable=true]').count()).toBe(0);
  expect(await pv.locator('[data-testid=roster-add], [data-testid=unit-status-select]').count()).toBe(0);
  expect(await pd.locator('[data-testid=rejections]').count()).toBe(0);
});
