import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { buildHistory, storeHistory, unitAt } from '../replay/replay-history.ts';

const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
const OP = 'op-replay-e2e';
const FIX_EVERY = 30_000;
const CAR = { stationId: 'deqing-yuyue', unitId: 'yuyue-u000', stationIndex: 0, i: 0 };

/** The unit's feature as the map's `units` source holds it (what the layer was given). */
function unitCoordinates(page: Page, unitId: string): Promise<[number, number] | null> {
  return page.evaluate(async (id) => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    const data = await map.getSource('units').getData();
    const f = data.features.find((x) => x.properties?.unitId === id);
    return f ? ((f.geometry as GeoJSON.Point).coordinates as [number, number]) : null;
  }, unitId);
}

/** The coverage the map's sector layer was given for the story's sector (null: no such sector drawn). */
function sectorCoverage(page: Page): Promise<number | null> {
  return page.evaluate(async () => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    const data = await map.getSource('search-sectors').getData();
    const f = data.features.find((x) => x.properties?.role === 'sector');
    return f ? (f.properties!.coverage as number) : null;
  });
}

/** Where the recorded track had the unit at `moment`: its last fix at or before it. */
const expectedAt = (start: number, moment: number) =>
  unitAt(CAR.stationIndex, CAR.i, start + Math.floor((moment - start) / FIX_EVERY) * FIX_EVERY, start);

const shownAt = (page: Page, at: number) => page.locator(`[data-testid=replay-moment][data-at="${at}"]`).waitFor();
const taskRow = (page: Page) => page.locator('[data-testid=task-board-row][data-task="t-replay-story"]');

test('the replay page shows the task states, unit positions, sector coverage and unit alerts of the moment on the slider, and jumps to an event', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const start = Date.now() - 3 * 3_600_000;
  const h = buildHistory({
    operationId: OP,
    stations: STATIONS,
    start,
    hours: 2,
    updates: 1_500,
    unitsPerStation: 4,
    fixEveryMs: FIX_EVERY,
  });
  await storeHistory(server.ctx.storage, h);
  const { raisedAt, acceptedAt, closedAt } = h.story;
  // The car's crew pressed SOS a minute after the task was accepted; 德清 acknowledged it before the task ended.
  await server.ctx.storage.insertAlert({
    id: 'replay-e2e-sos',
    operationId: OP,
    stationId: CAR.stationId,
    unitId: CAR.unitId,
    ruleId: null,
    ruleScope: null,
    ruleName: 'SOS',
    kind: 'sos',
    time: acceptedAt + 60_000,
    raisedAt: acceptedAt + 60_000,
    lngLat: expectedAt(start, acceptedAt + 60_000),
    evidence: { alarm: 'SOS' },
    state: 'acknowledged',
    acknowledgedBy: { id: 'u-deqing', name: '禹越值班民警' },
    acknowledgedAt: closedAt - 60_000,
    resolvedBy: null,
    resolvedAt: null,
  });
  const badge = (page: Page) =>
    page.locator(`[data-testid=unit-board-row][data-unit="${CAR.unitId}"] [data-testid=unit-alert]`);

  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  // Before the task was raised.
  const before = raisedAt - 120_000;
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/replay/${OP}?at=${before}`);
  await shownAt(page, before);
  await waitForMap(page);
  expect(await page.locator('[data-testid=replay-op-name]').textContent()).toBe('三县联合搜寻（回放）');
  expect(await taskRow(page).count()).toBe(0);
  await expect.poll(() => unitCoordinates(page, CAR.unitId)).toEqual(expectedAt(start, before));
  expect(await page.locator('[data-testid=unit-board-row]').count()).toBeGreaterThan(0);
  expect(await sectorCoverage(page)).toBeNull();
  expect(await badge(page).count()).toBe(0);
  await page.screenshot({ path: 'test-results/replay-before.png' });

  // Drag the slider to a moment after the task was accepted (the range input snaps to whole seconds from its start).
  const target = acceptedAt + 300_000;
  const moved = await page.locator('[data-testid=replay-slider]').evaluate((el, v) => {
    const input = el as HTMLInputElement;
    input.value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return Number(input.value);
  }, target);
  expect(Math.abs(moved - target)).toBeLessThanOrEqual(1_000);
  await shownAt(page, moved);
  await expect.poll(() => taskRow(page).getAttribute('data-status')).toBe('accepted');
  expect(await taskRow(page).locator('[data-testid=task-board-status]').textContent()).toBe('已接单');
  const there = expectedAt(start, moved);
  expect(there).not.toEqual(expectedAt(start, before));
  await expect.poll(() => unitCoordinates(page, CAR.unitId)).toEqual(there);
  // The sector raised with the task, swept by 德清's units since then.
  await expect.poll(() => sectorCoverage(page)).toBeGreaterThan(0);
  await expect.poll(() => badge(page).getAttribute('data-state')).toBe('open');
  await page.screenshot({ path: 'test-results/replay-accepted.png' });

  // Jump to the task's end from the event list.
  const ended = page.locator('[data-testid=replay-event][data-kind=task_closed]');
  // The list holds only the rows in view (and a few more): scroll it down until the event is there.
  const list = page.locator('[data-testid=replay-event-list]');
  for (let top = 0; (await ended.count()) === 0; top += 200) {
    const scrolled = await list.evaluate((el, y) => ((el.scrollTop = y), el.scrollTop), top);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    if (scrolled < top) break;
  }
  expect(await ended.count()).toBe(1);
  await ended.click();
  await shownAt(page, closedAt);
  await expect.poll(() => taskRow(page).getAttribute('data-status')).toBe('resolved');
  await expect.poll(() => unitCoordinates(page, CAR.unitId)).toEqual(expectedAt(start, closedAt));
  await expect.poll(() => badge(page).getAttribute('data-state')).toBe('acknowledged');
  await page.screenshot({ path: 'test-results/replay-closed.png' });

  // The console's header opens the replay of its operation.
  await page.goto(`${server.url}/#/op/${OP}`);
  expect(await page.locator('[data-testid=replay-open]').getAttribute('href')).toBe(`#/replay/${OP}`);
  expect(guard.outside).toEqual([]);
});
