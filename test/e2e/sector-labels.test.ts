import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { COMMAND_SCOPE, type Task } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { newTaskId, OperationConsole } from '../helpers/op-console.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';
import { sendFix } from './dispatch-scene.ts';
import { jumpTo } from './map-actions.ts';

/** A 400 m square sector inside 德清禹越, near the tri-county junction (WGS-84). */
const SW: [number, number] = [120.27, 30.53];
const SIDE_M = 400;
const M_PER_DEG_LAT = 111_195;
const NE: [number, number] = [
  SW[0] + SIDE_M / (M_PER_DEG_LAT * Math.cos((SW[1] * Math.PI) / 180)),
  SW[1] + SIDE_M / M_PER_DEG_LAT,
];
/** Outer radius of a task's point marker in CSS pixels: its selection ring (19 px) and that ring's stroke. */
const TASK_MARKER_R = 19 + 2.5;
/** Outer radius of a group bubble (circle and its ring) in CSS pixels. */
const GROUP_R = 17;

type LabelMap = {
  once(e: string, f: () => void): void;
  triggerRepaint(): void;
  project(p: [number, number]): { x: number; y: number };
  unproject(p: [number, number]): { lng: number; lat: number };
  getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> };
  queryRenderedFeatures(
    g?: [number, number] | { layers: string[] },
    o?: { layers: string[] },
  ): Array<{ layer: { id: string }; properties: Record<string, unknown>; geometry: GeoJSON.Geometry }>;
};

/**
 * Every pixel of each circle drawn by `layer` (radius `r` around its point), probed for a sector
 * label's placed box; and the labels of `sectorId` that are drawn at all.
 */
function labelsOver(page: Page, layer: string, r: number, sectorId: string) {
  return page.evaluate(
    ([layer, r, id]) => {
      const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
      const labels = map
        .queryRenderedFeatures({ layers: ['sector-label'] })
        .filter((f) => f.properties.sectorId === id)
        .map((f) => String(f.properties.label));
      const covered: string[] = [];
      const circles = map.queryRenderedFeatures({ layers: [layer] });
      for (const g of circles) {
        const c = map.project((g.geometry as GeoJSON.Point).coordinates as [number, number]);
        for (let y = -Math.ceil(r); y <= r; y++)
          for (let x = -Math.ceil(r); x <= r; x++) {
            if (x * x + y * y > r * r) continue;
            for (const hit of map.queryRenderedFeatures([c.x + x + 0.5, c.y + y + 0.5], { layers: ['sector-label'] }))
              covered.push(`${String(hit.properties.label)} @ ${x},${y}`);
          }
      }
      return {
        circles: circles.length,
        labels: [...new Set(labels)],
        covered: covered.slice(0, 5),
        overlap: covered.length,
      };
    },
    [layer, r, sectorId] as const,
  );
}

test('a sector label makes way for a group of units next to it and for the task marker on it, and stays on the map', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const commander = await OperationConsole.open(t, server, 'commander');
  const taskId = newTaskId();
  const { task, sector, change } = squareSectorSearch({
    taskId,
    commanderId: commander.user.id,
    sw: SW,
    ne: NE,
    stationId: DEQING,
    sweepWidthM: 100,
  });
  // The task's own marker stands well away from the sector at first, so only the units compete with the label.
  const moveTask = (location: Task['location']) =>
    commander.write(COMMAND_SCOPE, { type: 'put', map: 'tasks', key: task.id, value: { ...task, location } });
  if (change.type !== 'batch') throw new Error('batch expected');
  commander.write(COMMAND_SCOPE, change);
  moveTask({ type: 'Point', coordinates: [SW[0] - 0.03, SW[1] - 0.03] });

  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=live-state][data-state=online]');
  const idle = () =>
    page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
          map.once('idle', () => resolve());
          map.triggerRepaint();
        }),
    );

  // Where the label stands, and how far right of its anchor its box reaches (its placed box answers
  // point queries).
  const labelAt = () =>
    page.evaluate(async (id) => {
      const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
      const data = await map.getSource('search-sectors').getData();
      const f = data.features.find((x) => x.properties?.role === 'label' && x.properties?.sectorId === id);
      return f ? ((f.geometry as GeoJSON.Point).coordinates as [number, number]) : null;
    }, sector.id);
  await expect.poll(labelAt, { timeout: 10_000 }).not.toBeNull();
  const at = (await labelAt())!;
  await jumpTo(page, { center: at, zoom: 14 });
  await idle();
  const half = await page.evaluate((c) => {
    const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
    const p = map.project(c);
    let x = 0;
    while (x < 200 && map.queryRenderedFeatures([p.x + x + 0.5, p.y], { layers: ['sector-label'] }).length) x++;
    return x;
  }, at);
  expect(half, 'the label is drawn before the units come').toBeGreaterThan(10);

  // Three units stand together just right of the label: far enough that their count does not reach
  // the label's box, near enough that their bubble would.
  const spot = await page.evaluate(
    ([c, dx]) => {
      const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
      const p = map.project(c);
      const q = map.unproject([p.x + dx, p.y]);
      return [q.lng, q.lat] as [number, number];
    },
    [at, half + 15] as const,
  );
  const time = Date.now();
  for (const device of ['demo-yuyue-01', 'demo-yuyue-02', 'demo-drone-01'])
    await sendFix(server.url, device, spot, time);
  await page.waitForFunction(() => {
    const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
    return map.queryRenderedFeatures({ layers: ['unit-group'] }).some((f) => f.properties.point_count === 3);
  });
  await idle();
  await page.screenshot({ path: 'test-results/sector-label-group.png' });

  const byGroup = await labelsOver(page, 'unit-group', GROUP_R, sector.id);
  expect(byGroup.overlap, `sector label over the group bubble: ${byGroup.covered.join('; ')}`).toBe(0);
  expect(byGroup.labels, 'the sector label is still drawn').toHaveLength(1);
  expect(byGroup.labels[0]).toMatch(/^A1 \d+%$/);

  // The task's marker moves onto the label's point (a last-known point at a sector's centre, as in
  // the demo): the label steps aside from the marker too, and still from the bubble.
  moveTask({ type: 'Point', coordinates: at });
  await page.waitForFunction((c) => {
    const map = (window as unknown as { jointmapMap: LabelMap }).jointmapMap;
    const p = map.project(c);
    return map.queryRenderedFeatures([p.x, p.y], { layers: ['task-dot'] }).length > 0;
  }, at);
  await idle();
  await page.screenshot({ path: 'test-results/sector-label-task-marker.png' });
  const byMarker = await labelsOver(page, 'task-dot', TASK_MARKER_R, sector.id);
  expect(byMarker.circles, 'the task marker is drawn').toBe(1);
  expect(byMarker.overlap, `sector label over the task marker: ${byMarker.covered.join('; ')}`).toBe(0);
  expect((await labelsOver(page, 'unit-group', GROUP_R, sector.id)).overlap, 'sector label over the bubble').toBe(0);
  expect(byMarker.labels, 'the sector label is still drawn').toHaveLength(1);
  expect(byMarker.labels[0]).toMatch(/^A1 \d+%$/);
});
