import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { COMMAND_SCOPE, type Annotation, type Search, type Sector } from '@jointmap/shared';
import { coverageColor } from '../../client/src/lib/search/coverage-color.ts';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { newTaskId, OperationConsole } from '../helpers/op-console.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, LINPING, missingPersonTask, squareSectorSearch } from '../helpers/tasks.ts';
import { setUpTwins } from '../live/live-helpers.ts';
import { clickAt } from './map-actions.ts';

const RED = '#dc2626';
const GREEN = '#16a34a';
/** Inside 德清禹越, near the tri-county junction (WGS-84). */
const SW: [number, number] = [120.27, 30.53];
const SIDE_M = 400;
const M_PER_DEG_LAT = 111_195;
const M_PER_DEG_LNG = M_PER_DEG_LAT * Math.cos((SW[1] * Math.PI) / 180);
const NE: [number, number] = [SW[0] + SIDE_M / M_PER_DEG_LNG, SW[1] + SIDE_M / M_PER_DEG_LAT];

interface SectorProps {
  role: string;
  sectorId: string;
  coverage: number;
  fill: string;
  label: string;
}

/** The sector's polygon feature as the map's `search-sectors` source holds it (what the layer was given). */
function sectorFeature(page: Page, sectorId: string): Promise<SectorProps | null> {
  return page.evaluate(async (id) => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    const data = await map.getSource('search-sectors').getData();
    const f = data.features.find((x) => x.properties?.role === 'sector' && x.properties?.sectorId === id);
    return f ? (f.properties as SectorProps) : null;
  }, sectorId);
}

/**
 * A lawn-mower sweep of the square: east-west passes `sweepM` apart, a fix every `stepM`. The unit
 * drives it at 25 m/s (fix times 2 s apart), under the coverage tracker's speed limit.
 */
function lawnMower(sweepM: number, stepM: number): Array<[number, number]> {
  const passes = Math.ceil(SIDE_M / sweepM);
  const steps = Math.ceil(SIDE_M / stepM);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < passes; i++) {
    const lat = SW[1] + ((i + 0.5) * (NE[1] - SW[1])) / passes;
    for (let k = 0; k <= steps; k++) {
      const f = i % 2 === 0 ? k / steps : 1 - k / steps;
      out.push([SW[0] + f * (NE[0] - SW[0]), lat]);
    }
  }
  return out;
}

/** Send one fix as Traccar Client does (OsmAnd protocol, plain HTTP, no login). */
async function sendFix(url: string, deviceId: string, [lon, lat]: [number, number], time: number): Promise<void> {
  const q = new URLSearchParams({
    id: deviceId,
    lat: String(lat),
    lon: String(lon),
    timestamp: String(time / 1000),
    speed: '48',
  });
  const res = await fetch(`${url}/api/positions/osmand?${q}`, { method: 'POST' });
  expect(res.status, await res.clone().text()).toBe(200);
}

test('a 德清 unit sweeping its sector raises the coverage on the console and wall maps, and the fill turns red → green', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const commander = await OperationConsole.open(t, server, 'commander');

  // The commander's task and search with one square sector given to 德清, written by a stock client.
  const taskId = newTaskId();
  const { search, sector, change } = squareSectorSearch({
    taskId,
    commanderId: commander.user.id,
    sw: SW,
    ne: NE,
    stationId: DEQING,
    sweepWidthM: 100,
  });
  commander.write(COMMAND_SCOPE, change);

  // The commander's console (with the task's search section open) and the wall are watching.
  const browser = await launchBrowser(t);
  const c = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const [pc, pw] = await Promise.all([c.context.newPage(), w.context.newPage()]);
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await Promise.all([waitForMap(pc), waitForMap(pw)]);
  for (const p of [pc, pw]) await p.waitForSelector('[data-testid=live-state][data-state=online]');
  await pc.click(`[data-testid=task-row][data-task=${taskId}]`);
  await pc.waitForSelector(`[data-testid=sector-row][data-sector="${sector.id}"][data-coverage="0"]`);
  for (const p of [pc, pw]) {
    await expect
      .poll(() => sectorFeature(p, sector.id), { timeout: 10_000 })
      .toEqual({
        role: 'sector',
        sectorId: sector.id,
        searchId: search.id,
        name: 'A1',
        status: 'assigned',
        coverage: 0,
        label: 'A1 0%',
        fill: RED,
      });
  }

  // 禹越巡01 (a 德清 unit, tracker demo-yuyue-01) sweeps the sector: 4 passes 100 m apart.
  const path = lawnMower(100, 50);
  let time = Date.now() + 1000;
  const seen: Array<{ page: string; coverage: number; fill: string }> = [];
  for (const [i, p] of path.entries()) {
    await sendFix(server.url, 'demo-yuyue-01', p, time);
    time += 2000;
    if (i % 8 === 7) {
      for (const [name, page] of [
        ['console', pc],
        ['wall', pw],
      ] as const) {
        const f = await sectorFeature(page, sector.id);
        if (f) seen.push({ page: name, coverage: f.coverage, fill: f.fill });
      }
    }
  }

  // Both maps got the rising coverage from the live channel, each colour on the ramp …
  for (const [name, page] of [
    ['console', pc],
    ['wall', pw],
  ] as const) {
    await expect
      .poll(async () => (await sectorFeature(page, sector.id))?.coverage ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(0.8);
    const f = (await sectorFeature(page, sector.id))!;
    seen.push({ page: name, coverage: f.coverage, fill: f.fill });
    expect(f.fill).toBe(GREEN);
    expect(f.label).toBe(`A1 ${Math.floor(f.coverage * 100)}%`);
  }
  for (const s of seen) expect(s.fill).toBe(coverageColor(s.coverage));
  for (const page of ['console', 'wall']) {
    const mine = seen.filter((s) => s.page === page).map((s) => s.coverage);
    expect(mine).toEqual([...mine].sort((a, b) => a - b));
  }
  // … and the commander's sector list shows it too.
  const row = pc.locator(`[data-testid=sector-row][data-sector="${sector.id}"]`);
  await expect.poll(async () => Number(await row.getAttribute('data-coverage'))).toBeGreaterThan(80);
  expect(c.guard.outside).toEqual([]);
  expect(w.guard.outside).toEqual([]);
});

test('the commander creates a search from the task location, a station drops a clue, and "found" closes the task', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  await setUpTwins(server); // 德清 and 临平 each have a unit twin-01
  const [linping, observer] = await Promise.all([
    OperationConsole.open(t, server, 'linping'),
    OperationConsole.open(t, server, 'commander'),
  ]);
  const taskId = newTaskId();
  const task = missingPersonTask(taskId);
  linping.write(LINPING, { type: 'put', map: 'tasks', key: taskId, value: task });

  const browser = await launchBrowser(t);
  const c = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  const d = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  // The commander's PC clock runs 5 minutes fast: search records carry the server's time anyway.
  await c.context.addInitScript(() => {
    const now = Date.now.bind(Date);
    Date.now = () => now() + 5 * 60_000;
  });
  const [pc, pd] = await Promise.all([c.context.newPage(), d.context.newPage()]);
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await Promise.all([waitForMap(pc), waitForMap(pd)]);

  // A station sees no search yet, and cannot start one.
  await pd.click(`[data-testid=task-row][data-task=${taskId}]`);
  await pd.waitForSelector('[data-testid=search-section][data-status=none]');
  expect(await pd.locator('[data-testid=search-start]').count()).toBe(0);

  // The commander generates the area (20 min by tricycle from the task location), a 1.5 km grid.
  await pc.click(`[data-testid=task-row][data-task=${taskId}]`);
  await pc.click('[data-testid=search-start]');
  expect(await pc.textContent('[data-testid=search-last-known]')).toBe('120.29540, 30.52220');
  await pc.fill('[data-testid=search-elapsed]', '20');
  await pc.selectOption('[data-testid=search-mode]', 'bicycle');
  await pc.fill('[data-testid=search-cell]', '1500');
  const preview = pc.locator('[data-testid=search-preview][data-busy=false]:not([data-count="0"])');
  await preview.waitFor({ timeout: 30_000 });
  const count = Number(await preview.getAttribute('data-count'));
  // A 1 km cell over a 4 km circle would do too; a 50 m cell is refused as too many sectors.
  await pc.fill('[data-testid=search-cell]', '50');
  await pc.waitForSelector('[data-testid=search-error]:has-text("区域太大")', { timeout: 30_000 });
  expect(await pc.isDisabled('[data-testid=search-submit]')).toBe(true);
  await pc.fill('[data-testid=search-cell]', '1500');
  await pc.locator(`[data-testid=search-preview][data-busy=false][data-count="${count}"]`).waitFor({ timeout: 30_000 });
  await pc.click('[data-testid=search-submit]');

  // One change wrote the search and its sectors into the command document.
  const searchId = `s-${taskId}`;
  const stored = () => observer.doc(COMMAND_SCOPE).getMap<Search>('searches').get(searchId);
  await eventually(() => stored() !== undefined, 10_000, 'search stored');
  const sectors = () =>
    [...observer.doc(COMMAND_SCOPE).getMap<Sector>('sectors').values()].filter((s) => s.searchId === searchId);
  expect(stored()).toMatchObject({
    taskId,
    taskStationId: LINPING,
    status: 'active',
    travelMode: 'bicycle',
    lastKnown: task.location,
  });
  expect(sectors()).toHaveLength(count);
  expect(sectors().every((s) => s.status === 'unassigned' && s.sweepWidthM === 50)).toBe(true);
  await pd.waitForSelector(`[data-testid=search-section][data-status=active]`);
  await pd.waitForSelector(`[data-testid=sector-row] >> nth=${count - 1}`);
  expect(await pd.locator('[data-testid=sector-assign], [data-testid=sector-status]').count()).toBe(0);

  // Arrow keys on a sector's status only pick; 更新 writes it, and the status keeps the focus.
  const a1Status = pc.locator('[data-testid=sector-row][data-name=A1] [data-testid=sector-status]');
  await a1Status.focus();
  await pc.keyboard.press('ArrowDown');
  await pc.waitForTimeout(500);
  expect(sectors().find((s) => s.name === 'A1')?.status).toBe('unassigned');
  await pc.keyboard.press('ArrowDown');
  await pc.keyboard.press('Tab');
  await pc.keyboard.press('Enter');
  await eventually(() => sectors().find((s) => s.name === 'A1')?.status === 'searching', 10_000, 'A1 searching');
  expect(await a1Status.evaluate((el) => el === document.activeElement)).toBe(true);

  // The commander gives C3 to 德清 and its car; the record says so from now on.
  const c3 = pc.locator('[data-testid=sector-row][data-name=C3]');
  await c3.locator('[data-testid=sector-assign]').click();
  // With no station both twin-01 are listed; choosing one blocks the other, and says why.
  const twins = c3.locator('[data-testid=sector-units] input[data-unit=twin-01]');
  await expect.poll(() => twins.count()).toBe(2);
  await twins.first().check();
  expect([await twins.nth(1).isChecked(), await twins.nth(1).isDisabled()]).toEqual([false, true]);
  expect(await c3.locator('[data-testid=sector-twin-note]').count()).toBe(1);
  await twins.first().uncheck();
  await c3.locator('[data-testid=sector-station]').selectOption(DEQING);
  await c3.locator('[data-unit=yuyue-car-01]').check();
  const before = Date.now();
  await c3.locator('[data-testid=sector-save]').click();
  const c3Record = () => sectors().find((s) => s.name === 'C3');
  await eventually(() => c3Record()?.status === 'assigned', 10_000, 'C3 assigned');
  expect(c3Record()).toMatchObject({ assignedStationId: DEQING, assignedUnitIds: ['yuyue-car-01'] });
  expect(c3Record()!.assignedAt).toBeGreaterThanOrEqual(before - 2000);
  expect(c3Record()!.assignedAt).toBeLessThanOrEqual(Date.now() + 2000);
  // The car given the sector is put on the search's task.
  await eventually(() => observer.unit('yuyue-car-01')?.assignedTaskId === taskId, 10_000, 'car on the task');
  expect(await c3.locator('[data-testid=sector-notice]').textContent()).toBe('已派往本任务：禹越巡01');
  await pd.waitForSelector('[data-testid=sector-row][data-name=C3][data-status=assigned]:has-text("禹越巡01")');

  // 德清 drops a clue, then a found marker, into its own document.
  await pd.fill('[data-testid=marker-note]', '蓝色三轮车');
  await pd.click('[data-testid=marker-clue]');
  await clickAt(pd, [120.305, 30.535]);
  await pd.click('[data-testid=marker-found]');
  await clickAt(pd, [120.318, 30.515]);
  const markers = () =>
    [...observer.doc(DEQING).getMap<Annotation>('annotations').values()].sort((a, b) => a.createdAt - b.createdAt);
  await eventually(() => markers().length === 2, 10_000, 'two markers');
  expect(markers().map((m) => [m.kind, m.symbol, m.label])).toEqual([
    ['point', 'clue', '线索：蓝色三轮车'],
    ['point', 'found', '找到'],
  ]);
  const found = markers()[1]!;

  // The commander ends the search as found (the newest found marker is the default): one action
  // writes the search and closes the task in 临平's document.
  await pc.waitForSelector('[data-testid=marker-row][data-symbol=found]');
  await pc.click('[data-testid=search-end-found]');
  await pc.click('[data-testid=search-found-confirm]');
  await eventually(() => stored()?.status === 'found', 10_000, 'search found');
  expect(stored()!.found).toMatchObject({ location: found.geometry, stationId: DEQING, unitId: null, note: '找到' });
  await eventually(() => linping.task(LINPING, taskId)?.state === 'closed', 10_000, 'task closed');
  await pd.waitForSelector('[data-testid=search-section][data-status=found] [data-testid=search-found]');
  // A found search leaves the map.
  await expect
    .poll(
      () =>
        pc.evaluate(async () => {
          const map = (
            window as unknown as {
              jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } };
            }
          ).jointmapMap;
          return (await map.getSource('search-sectors').getData()).features.length;
        }),
      { timeout: 10_000 },
    )
    .toBe(0);
  expect([...observer.rejections(), ...linping.rejections()]).toEqual([]);
  expect(await pc.locator('[data-testid=rejections]').count()).toBe(0);
});
