import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { openCommanderConsole, sendFix } from './commander-console.test-support.ts';
import { jumpTo } from './map-actions.ts';

// Issue 10 item 4: units a person can read (no-fix state, filter, follow).

// Near the tri-county junction (WGS-84).
const JUNCTION: [number, number] = [120.27, 30.53];

type MapHandle = {
  queryRenderedFeatures(o: { layers: string[] }): Array<{ properties: { unitId: string } }>;
  getCenter(): { lng: number; lat: number };
  isMoving(): boolean;
};

/** Unit ids drawn on screen right now by a unit layer (markers or labels), sorted, unique. */
function rendered(page: Page, layer: 'unit-ring' | 'unit-label'): Promise<string[]> {
  return page.evaluate((l) => {
    const map = (window as unknown as { jointmapMap: MapHandle }).jointmapMap;
    return [...new Set(map.queryRenderedFeatures({ layers: [l] }).map((f) => f.properties.unitId))].sort();
  }, layer);
}

const rosterUnits = (page: Page) =>
  page.$$eval('[data-testid=roster-unit]', (els) => els.map((e) => e.getAttribute('data-unit')!).sort());

test('a unit that never sent a fix reads 无定位, not 失联, in the roster, details, wall board and header', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const c = await newContext(browser);
  const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const [page, wall] = await Promise.all([c.context.newPage(), w.context.newPage()]);
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(wall, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=live-state][data-state=online]');

  // One demo unit reports; the others never have.
  await sendFix(server.url, 'demo-yuyue-01', JUNCTION);
  await page.waitForSelector('[data-testid=roster-unit][data-unit=yuyue-car-01][data-freshness=live]');
  await page.waitForSelector('[data-testid=roster-unit][data-unit=yunhe-car-01][data-freshness=nofix]');
  expect(await page.locator('[data-testid=roster-unit][data-freshness=lost]').count()).toBe(0);
  expect(await page.locator('[data-testid=roster-unit][data-freshness=nofix]').count()).toBe(7);
  expect(await page.getAttribute('[data-testid=roster-unit][data-unit=yunhe-car-01] .dot', 'title')).toBe('无定位');

  // Details of a never-fixed unit.
  await page.click('[data-testid=roster-unit][data-unit=yunhe-car-01] button.callsign');
  await page.waitForSelector('[data-testid=unit-details][data-unit=yunhe-car-01][data-freshness=nofix]');
  expect(await page.textContent('[data-testid=unit-freshness]')).toBe('无定位');
  expect(await page.textContent('[data-testid=unit-last-fix]')).toContain('无定位');

  // The header counts the one unit with a fix; nobody is lost.
  const badge = (await page.textContent('[data-testid=live-state]'))!;
  expect(badge).toContain('在线 1');
  expect(badge).toContain('失联 0');

  // The wall's board says 无定位 too.
  await wall.waitForSelector('[data-testid=unit-board-row][data-unit=yunhe-car-01][data-freshness=nofix]');
  expect(await wall.textContent('[data-testid=unit-board-row][data-unit=yunhe-car-01]')).toContain('无定位');
  expect(await wall.textContent('[data-testid=unit-board]')).not.toContain('失联');
  await page.screenshot({ path: '/tmp/unit-reading-nofix.png' });
  expect(c.guard.outside).toEqual([]);
});

test('filtering the roster by station, kind and status hides the other units on the map and in the list', async (t) => {
  const { server, page, guard } = await openCommanderConsole(t);

  // Three cars of three stations, spread out so their labels do not collide.
  const fixes: Array<[string, string, [number, number]]> = [
    ['demo-yuyue-01', 'yuyue-car-01', [JUNCTION[0] - 0.03, JUNCTION[1]]],
    ['demo-yunhe-01', 'yunhe-car-01', [JUNCTION[0] + 0.03, JUNCTION[1]]],
    ['demo-yunhe-02', 'yunhe-boat-02', [JUNCTION[0] + 0.03, JUNCTION[1] - 0.03]],
    ['demo-zhouquan-01', 'zhouquan-car-01', [JUNCTION[0], JUNCTION[1] + 0.03]],
  ];
  for (const [device, , at] of fixes) await sendFix(server.url, device, at);
  const all = fixes.map(([, id]) => id).sort();
  await expect.poll(() => rendered(page, 'unit-ring'), { timeout: 10_000 }).toEqual(all);
  await expect.poll(() => rendered(page, 'unit-label'), { timeout: 10_000 }).toEqual(all);
  expect((await rosterUnits(page)).length).toBe(8);

  // One station: only its markers, labels and roster rows remain.
  await page.selectOption('[data-testid=roster-filter-station]', 'linping-yunhe');
  await expect.poll(() => rendered(page, 'unit-ring'), { timeout: 5_000 }).toEqual(['yunhe-boat-02', 'yunhe-car-01']);
  await expect.poll(() => rendered(page, 'unit-label'), { timeout: 5_000 }).toEqual(['yunhe-boat-02', 'yunhe-car-01']);
  expect(await rosterUnits(page)).toEqual(['yunhe-boat-02', 'yunhe-car-01']);
  expect(await page.locator('[data-testid=roster-station]').count()).toBe(1);
  expect(await page.textContent('[data-testid=roster-filter-shown]')).toContain('2 / 8');
  await page.screenshot({ path: '/tmp/unit-reading-filter.png' });

  // Station and kind together.
  await page.selectOption('[data-testid=roster-filter-kind]', 'car');
  await expect.poll(() => rendered(page, 'unit-ring'), { timeout: 5_000 }).toEqual(['yunhe-car-01']);
  expect(await rosterUnits(page)).toEqual(['yunhe-car-01']);

  // Kind and status over all stations: available cars (yunhe-car-01 is en route).
  await page.selectOption('[data-testid=roster-filter-station]', '');
  await page.selectOption('[data-testid=roster-filter-status]', 'available');
  await expect.poll(() => rendered(page, 'unit-ring'), { timeout: 5_000 }).toEqual(['yuyue-car-01', 'zhouquan-car-01']);
  expect(await rosterUnits(page)).toEqual(['yuyue-car-01', 'zhouquan-car-01']);

  // Clearing brings everything back.
  await page.click('[data-testid=roster-filter-clear]');
  await expect.poll(() => rendered(page, 'unit-ring'), { timeout: 5_000 }).toEqual(all);
  expect((await rosterUnits(page)).length).toBe(8);
  expect(guard.outside).toEqual([]);
});

test('following a unit keeps it in view as it moves; panning by hand stops following', async (t) => {
  const { server, page, guard } = await openCommanderConsole(t);
  const center = () =>
    page.evaluate(() => {
      const m = (window as unknown as { jointmapMap: MapHandle }).jointmapMap;
      const c = m.getCenter();
      return m.isMoving() ? null : [Number(c.lng.toFixed(3)), Number(c.lat.toFixed(3))];
    });

  await sendFix(server.url, 'demo-yuyue-01', JUNCTION);
  await page.waitForSelector('[data-testid=roster-unit][data-unit=yuyue-car-01][data-freshness=live]');
  // A street-level view: the moves below take the unit out of it.
  await jumpTo(page, { zoom: 13 });
  await page.click('[data-testid=roster-unit][data-unit=yuyue-car-01] button.callsign');
  await page.check('[data-testid=unit-follow]');
  await expect.poll(center, { timeout: 5_000 }).toEqual(JUNCTION);

  // The unit drives far away (out of the original view): the map goes with it.
  let at = JUNCTION;
  for (let i = 1; i <= 3; i++) {
    at = [JUNCTION[0] + i * 0.05, JUNCTION[1] - i * 0.02];
    await sendFix(server.url, 'demo-yuyue-01', at);
    await expect.poll(center, { timeout: 5_000 }).toEqual([Number(at[0].toFixed(3)), Number(at[1].toFixed(3))]);
  }
  expect(await page.isChecked('[data-testid=unit-follow]')).toBe(true);

  // A pan by hand ends following: the next fix does not move the map.
  const box = (await page.locator('[data-testid=map] canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 40, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(() => !(document.querySelector('[data-testid=unit-follow]') as HTMLInputElement).checked);
  await expect.poll(center, { timeout: 5_000 }).not.toBeNull();
  const panned = await center();
  await sendFix(server.url, 'demo-yuyue-01', [at[0] + 0.3, at[1]]);
  await page.waitForFunction(
    () => (document.querySelector('[data-testid=unit-last-fix]')?.textContent ?? '').length > 0,
  );
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (
            window as unknown as {
              jointmap: { session: { live: { positionOf(k: string): { lngLat: number[] } | undefined } } };
            }
          ).jointmap.session.live.positionOf('deqing-yuyue/yuyue-car-01')?.lngLat[0],
      ),
    )
    .toBeCloseTo(at[0] + 0.3, 6);
  expect(await center()).toEqual(panned);
  await page.screenshot({ path: '/tmp/unit-reading-follow.png' });
  expect(guard.outside).toEqual([]);
});
