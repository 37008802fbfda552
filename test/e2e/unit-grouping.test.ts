import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, type TestServer } from '../helpers/server.ts';
import { openCommanderConsole, sendFix } from './commander-console.test-support.ts';
import { clutter, drawn } from './unit-grouping-probe.ts';
import { jumpTo } from './map-actions.ts';

// Units overlapping at the tri-county junction are grouped with a count at low zoom, split when
// zoomed in, and no label hides another label or a marker.

// The junction of 德清, 临平 and 桐乡 (WGS-84).
const J: [number, number] = [120.27, 30.53];
/** Six units of the three stations within ~300 m of each other at the junction. */
const AT_JUNCTION: Array<[device: string, unitId: string, at: [number, number]]> = [
  ['demo-yuyue-01', 'yuyue-car-01', J],
  ['demo-yuyue-02', 'yuyue-foot-02', [J[0] + 0.002, J[1]]],
  ['demo-yunhe-01', 'yunhe-car-01', [J[0], J[1] - 0.002]],
  ['demo-yunhe-02', 'yunhe-boat-02', [J[0] - 0.002, J[1] - 0.001]],
  ['demo-zhouquan-01', 'zhouquan-car-01', [J[0] + 0.001, J[1] + 0.002]],
  ['demo-zhouquan-02', 'zhouquan-moto-02', [J[0] - 0.001, J[1] + 0.002]],
];
/** Two units far from the junction and from each other: drawn on their own at any zoom. */
const APART: Array<[device: string, unitId: string, at: [number, number]]> = [
  ['demo-drone-01', 'drone-01', [J[0] - 0.12, J[1] + 0.05]],
  ['demo-dog-01', 'dog-01', [J[0] + 0.12, J[1] + 0.06]],
];
const JUNCTION_IDS = AT_JUNCTION.map(([, id]) => id).sort();
/** Markers closer than this (CSS px, text scale 1) would overlap; `groupRadius(1)` in the client. */
const MIN_APART = 24;

async function sendAll(server: TestServer): Promise<void> {
  for (const [device, , at] of [...AT_JUNCTION, ...APART]) await sendFix(server.url, device, at);
}

/** What the layers draw once the map has stopped moving and drawn everything. */
async function settled(page: Page): Promise<Awaited<ReturnType<typeof drawn>>> {
  await page.waitForFunction(() => {
    const m = (
      window as unknown as { jointmapMap: { loaded(): boolean; isMoving(): boolean; areTilesLoaded(): boolean } }
    ).jointmapMap;
    return m.loaded() && !m.isMoving() && m.areTilesLoaded();
  });
  return drawn(page);
}

/** The units' group counts and the units drawn alone, once the map has settled. */
async function grouping(page: Page): Promise<{ groups: number[]; singles: string[] }> {
  const d = await settled(page);
  return { groups: d.groups.map((g) => g.count), singles: d.singles };
}

/** The label the map's `units` source holds for a unit. */
function labelOf(page: Page, unitId: string): Promise<string | undefined> {
  return page.evaluate(async (id) => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    const data = await map.getSource('units').getData();
    return data.features.find((f) => f.properties?.unitId === id)?.properties?.label as string | undefined;
  }, unitId);
}

test('units at the junction form one group with their count, split on click, and no label hides another', async (t) => {
  const { server, page, guard } = await openCommanderConsole(t);
  const startZoom = (await drawn(page)).zoom;
  await sendAll(server);

  // The operation's view (low zoom): one group of six at the junction; the two others alone.
  await expect
    .poll(() => grouping(page), { timeout: 15_000 })
    .toEqual({ groups: [6], singles: ['dog-01', 'drone-01'] });
  // The groups settle before maplibre has placed the labels (a frame or more later on a busy machine).
  await expect
    .poll(() => clutter(page, 1, MIN_APART), { timeout: 10_000 })
    .toEqual({ labelOnLabel: [], labelOnMarker: [], markerOnMarker: [], labels: 2 });
  await page.screenshot({ path: '/tmp/grouping-low.png' });

  // A filtered-out unit is not counted: only the three cars are left, all in the group.
  await page.selectOption('[data-testid=roster-filter-kind]', 'car');
  await expect.poll(() => grouping(page), { timeout: 5_000 }).toEqual({ groups: [3], singles: [] });
  await page.click('[data-testid=roster-filter-clear]');
  await expect.poll(async () => (await settled(page)).groups.map((g) => g.count), { timeout: 5_000 }).toEqual([6]);

  // Clicking the group zooms in to where it splits, until every unit stands alone.
  const box = (await page.locator('[data-testid=map] canvas').boundingBox())!;
  let d = await settled(page);
  for (let clicks = 0; d.groups.length > 0; clicks++) {
    expect(clicks, `still grouped after ${clicks} clicks: ${JSON.stringify(d)}`).toBeLessThan(6);
    const before = d.zoom;
    await page.mouse.click(box.x + d.groups[0]!.x, box.y + d.groups[0]!.y);
    await expect.poll(async () => (await settled(page)).zoom, { timeout: 5_000 }).toBeGreaterThan(before);
    d = await settled(page);
  }
  expect(d.zoom).toBeGreaterThan(startZoom + 2);
  expect(d.singles.filter((id) => JUNCTION_IDS.includes(id))).toEqual(JUNCTION_IDS);
  expect(d.labels.filter((id) => JUNCTION_IDS.includes(id))).toEqual(JUNCTION_IDS);
  // A click on the map also pins a coordinate readout point; unpin it (Escape) so the pictures show
  // units only.
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=coord-state]:not(.pinned)');
  const high = await clutter(page, 1, MIN_APART);
  expect(high).toMatchObject({ labelOnLabel: [], labelOnMarker: [], markerOnMarker: [] });
  await page.screenshot({ path: '/tmp/grouping-high.png' });

  // Back at the operation's zoom, the selected unit stays on screen above its group, which steps
  // aside as a badge counting the five others (the group still counts all six).
  await jumpTo(page, { zoom: startZoom });
  await page.click('[data-testid=roster-unit][data-unit=yunhe-car-01] button.callsign');
  await expect
    .poll(
      async () => {
        const s = await settled(page);
        return {
          groups: s.groups.map((g) => g.count),
          badges: s.badges,
          pinned: s.pinned,
          labels: s.labels.includes('yunhe-car-01'),
        };
      },
      { timeout: 5_000 },
    )
    .toEqual({ groups: [6], badges: ['+5'], pinned: ['yunhe-car-01'], labels: true });
  const selected = await clutter(page, 1, 0);
  expect(selected).toMatchObject({ labelOnLabel: [], labelOnMarker: [] });
  await page.screenshot({ path: '/tmp/grouping-selected.png' });

  // A selected unit that stands alone has one label, not a second one beside it from the grouped layers.
  await page.click('[data-testid=roster-unit][data-unit=drone-01] button.callsign');
  await expect.poll(async () => (await settled(page)).pinned, { timeout: 5_000 }).toEqual(['drone-01']);
  const labelsOf = (unitId: string) =>
    page.evaluate((id) => {
      const map = (
        window as unknown as {
          jointmapMap: { queryRenderedFeatures(o: { layers: string[] }): Array<{ properties: { unitId: string } }> };
        }
      ).jointmapMap;
      return map
        .queryRenderedFeatures({ layers: ['unit-label', 'unit-pinned-label'] })
        .filter((f) => f.properties.unitId === id).length;
    }, unitId);
  expect(await labelsOf('drone-01')).toBe(1);
  expect(await labelsOf('dog-01')).toBe(1);
  expect(guard.outside).toEqual([]);
});

test('the wall groups the junction units and keeps labels apart at 1080p and 4K', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  await sendAll(server);
  for (const [name, viewport] of [
    ['1080', { width: 1920, height: 1080 }],
    ['4k', { width: 3840, height: 2160 }],
  ] as const) {
    const { context, guard } = await newContext(browser, { viewport });
    const page = await context.newPage();
    await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
    await waitForMap(page);
    // The roster has synced: markers carry callsigns, not unit ids.
    await expect.poll(() => labelOf(page, 'drone-01'), { timeout: 15_000 }).toBe('无人机01');
    await expect
      .poll(() => grouping(page), { timeout: 15_000 })
      .toEqual({ groups: [6], singles: ['dog-01', 'drone-01'] });
    // The wall draws everything 1.4× (×2 at 4K): markers stay as far apart as they are wide.
    const scale = 1.4 * (viewport.height / 1080);
    expect(await clutter(page, scale, MIN_APART * scale)).toEqual({
      labelOnLabel: [],
      labelOnMarker: [],
      markerOnMarker: [],
      labels: 2,
    });
    await page.screenshot({ path: `/tmp/grouping-wall-${name}.png` });
    expect(guard.outside).toEqual([]);
    await context.close();
  }
});
