import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { COMMAND_SCOPE, COMMAND_STATION_ID, type Annotation, type Search, type Sector } from '@jointmap/shared';
import { newMarker } from '../../client/src/lib/search/markers.ts';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { newTaskId, OperationConsole } from '../helpers/op-console.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';

/** A square of about 400 m inside 德清禹越 (WGS-84). */
const SW: [number, number] = [120.27, 30.53];
const NE: [number, number] = [120.2742, 30.5336];

/** How many sector polygons the map's `search-sectors` source holds (a search that is not active has none). */
function sectorFeatures(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    return (await map.getSource('search-sectors').getData()).features.filter((f) => f.properties?.role === 'sector')
      .length;
  });
}

test('a search ended as found is resumed after its task is reopened: active again, its sector editable, the marker kept', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const [commander, observer] = await Promise.all([
    OperationConsole.open(t, server, 'commander'),
    OperationConsole.open(t, server, 'commander'),
  ]);

  // The commander's task with a search of one sector given to 德清, and 德清's find inside it.
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
  const inside: [number, number] = [(SW[0] + NE[0]) / 2, (SW[1] + NE[1]) / 2];
  const find = newMarker('found', inside, '找到', commander.user.id, Date.now(), 'a-wrongfind1');
  commander.write(COMMAND_SCOPE, { type: 'put', map: 'annotations', key: find.id, value: find });

  const browser = await launchBrowser(t);
  const c = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  const pc = await c.context.newPage();
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(pc);
  await pc.click(`[data-testid=task-row][data-task=${taskId}]`);
  await pc.waitForSelector(`[data-testid=search-section][data-status=active] [data-testid=sector-row]`);

  // Ended as found (the find is preselected): the task closes, and while it is closed there is no resume.
  const stored = () => observer.doc(COMMAND_SCOPE).getMap<Search>('searches').get(search.id);
  const task = () => observer.task(COMMAND_STATION_ID, taskId);
  await pc.click('[data-testid=search-end-found]');
  await pc.click('[data-testid=search-found-confirm]');
  await eventually(() => stored()?.status === 'found', 10_000, 'search found');
  await eventually(() => task()?.state === 'closed', 10_000, 'task closed');
  const endedAt = stored()!.updatedAt;
  await pc.waitForSelector('[data-testid=search-section][data-status=found] [data-testid=search-resume-task-ended]');
  expect(await pc.locator('[data-testid=search-resume]').count()).toBe(0);
  await expect.poll(() => sectorFeatures(pc), { timeout: 10_000 }).toBe(0);

  // The identification proves wrong: the commander reopens the task, and the search section offers 恢复搜索.
  await pc.click('[data-testid=task-reopen]');
  await eventually(() => task()?.state === 'open', 10_000, 'task reopened');
  await pc.click('[data-testid=search-resume]');
  await eventually(() => stored()?.status === 'active', 10_000, 'search resumed');
  const resumed = stored()!;
  expect(resumed).toEqual({
    ...search,
    status: 'active',
    found: null,
    pauses: [{ from: endedAt, to: resumed.updatedAt }],
    updatedAt: resumed.updatedAt,
  });

  // The badge shows it active, its sector is on the map and editable again, and the find stays a marker.
  await pc.waitForSelector('[data-testid=search-section][data-status=active]');
  expect(await pc.textContent('[data-testid=search-section] h3 .badge')).toBe('搜索中');
  await expect.poll(() => sectorFeatures(pc), { timeout: 10_000 }).toBe(1);
  const row = pc.locator(`[data-testid=sector-row][data-sector="${sector.id}"]`);
  await row.locator('[data-testid=sector-status]').selectOption('searching');
  await row.locator('[data-testid=sector-status-set]').click();
  const sectorNow = () => observer.doc(COMMAND_SCOPE).getMap<Sector>('sectors').get(sector.id);
  await eventually(() => sectorNow()?.status === 'searching', 10_000, 'sector searching');
  expect(sectorNow()).toMatchObject({ assignedStationId: DEQING, assignedAt: sector.assignedAt });
  expect(observer.doc(COMMAND_SCOPE).getMap<Annotation>('annotations').get(find.id)).toEqual(find);

  // Ending it as found again does not preselect the find that proved wrong: the commander picks.
  await pc.click('[data-testid=search-end-found]');
  expect(await pc.inputValue('[data-testid=search-found-choice]')).toBe('pick');
  expect([...commander.rejections(), ...observer.rejections()]).toEqual([]);
  expect(await pc.locator('[data-testid=rejections]').count()).toBe(0);
  expect(c.guard.outside).toEqual([]);
});
