import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { setUpTwins, TWIN } from '../live/live-helpers.ts';

// Both near the tri-county junction (WGS-84), a few kilometres apart, so both are on screen and
// not grouped at the operation's zoom.
const YUYUE_AT: [number, number] = [120.27, 30.53];
const YUNHE_AT: [number, number] = [120.32, 30.5];

async function sendFix(url: string, deviceId: string, [lon, lat]: [number, number]): Promise<void> {
  const q = new URLSearchParams({ id: deviceId, lat: String(lat), lon: String(lon), timestamp: String(Date.now()) });
  const res = await fetch(`${url}/api/positions/osmand?${q}`, { method: 'POST' });
  expect(res.status, await res.clone().text()).toBe(200);
}

interface Drawn {
  key: string;
  stationId: string;
  label: string;
  coordinates: [number, number];
}

/** The features of one unit id in the map's `units` source, by station. */
function sourceFeatures(page: Page, unitId: string): Promise<Drawn[]> {
  return page.evaluate(async (id) => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    const data = await map.getSource('units').getData();
    return data.features
      .filter((f) => f.properties?.unitId === id)
      .map((f) => ({
        key: f.properties!.key as string,
        stationId: f.properties!.stationId as string,
        label: f.properties!.label as string,
        coordinates: (f.geometry as GeoJSON.Point).coordinates as [number, number],
      }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }, unitId);
}

/** Unit keys drawn on screen right now (the marker layer, not just the source). */
function renderedKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const map = (
      window as unknown as {
        jointmapMap: { queryRenderedFeatures(o: { layers: string[] }): Array<{ properties: { key: string } }> };
      }
    ).jointmapMap;
    return map.queryRenderedFeatures({ layers: ['unit-ring'] }).map((f) => f.properties.key);
  });
}

test('two stations’ units of the same id are two markers, two roster rows and two details', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  await setUpTwins(server);
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=live-state][data-state=online]');

  await sendFix(server.url, 'twin-yy', YUYUE_AT);
  await sendFix(server.url, 'twin-yh', YUNHE_AT);

  // Drawn apart, each at its own fix with its own station's callsign.
  await expect
    .poll(() => sourceFeatures(page, TWIN), { timeout: 10_000 })
    .toEqual([
      { key: `deqing-yuyue/${TWIN}`, stationId: 'deqing-yuyue', label: '禹越双01', coordinates: YUYUE_AT },
      { key: `linping-yunhe/${TWIN}`, stationId: 'linping-yunhe', label: '运河双01', coordinates: YUNHE_AT },
    ]);
  await expect
    .poll(async () => (await renderedKeys(page)).filter((k) => k.endsWith(`/${TWIN}`)).sort(), { timeout: 10_000 })
    .toEqual([`deqing-yuyue/${TWIN}`, `linping-yunhe/${TWIN}`]);

  // Each station's roster shows its own unit live.
  for (const station of ['deqing-yuyue', 'linping-yunhe']) {
    await page.waitForSelector(
      `[data-testid=roster-station][data-station=${station}] [data-testid=roster-unit][data-unit=${TWIN}][data-freshness=live]`,
    );
  }

  // Selecting 临平's opens 临平's unit, not 德清's.
  await page.click(
    `[data-testid=roster-station][data-station=linping-yunhe] [data-testid=roster-unit][data-unit=${TWIN}] button`,
  );
  await page.waitForSelector(
    `[data-testid=unit-details][data-unit=${TWIN}][data-station=linping-yunhe][data-freshness=live]`,
  );
  expect(await page.textContent('[data-testid=unit-details] h3')).toBe('运河双01');
});
