import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { DEMO_OP, DEMO_PASSWORD, startServer, type TestServer } from '../helpers/server.ts';
import { annotationsOf, clickAt, renderedAnnotationIds, screenOf } from './map-actions.ts';

/**
 * Editing a drawing on the console map: drags, the label field, the measuring tool. One console of
 * 德清 serves every case (opening one is most of a case's time); each case uses its own markers and
 * starts from the select tool with nothing selected.
 */

const SCOPE = 'deqing-yuyue';
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  assertClientBuilt();
  server = await startServer(null);
  browser = await launchBrowser(null);
  const { context } = await newContext(browser, { viewport: { width: 1366, height: 768 } });
  page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=connection][data-state=online]');
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
beforeEach(async () => {
  await page.locator('[data-testid=op-name]').click(); // out of any field: Escape reaches the map
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape'); // tool, selection, measuring
});

type Hooks = {
  jointmap: {
    session: {
      annotations: { get(scope: string, id: string): object | undefined };
      putAnnotation(scope: string, record: object): void;
    };
  };
};

/** Write `id` into 德清's document (as if drawn or changed there), at `at` and with `label`. */
async function putMarker(id: string, at: [number, number], label = '卡口'): Promise<void> {
  await page.evaluate(
    ({ scope, id, at, label }) => {
      const s = (window as unknown as Hooks).jointmap.session;
      const now = Date.now();
      const base = { kind: 'point', color: '#2563eb', author: 'u-x', createdAt: now };
      const record = { ...base, ...s.annotations.get(scope, id), id, label, updatedAt: now };
      s.putAnnotation(scope, { ...record, geometry: { type: 'Point', coordinates: at } });
    },
    { scope: SCOPE, id, at, label },
  );
}

/** A new marker, selected with a click once the map shows it. */
async function selectedMarker(id: string, at: [number, number], label?: string): Promise<void> {
  await putMarker(id, at, label);
  await expect.poll(() => renderedAnnotationIds(page)).toContain(`${SCOPE}/${id}`);
  await clickAt(page, at);
  await page.waitForSelector('[data-testid=properties][data-writable=true]');
}

const coordinatesOf = async (id: string) => (await annotationsOf(page, SCOPE))[id]?.geometry.coordinates;

/** Press the button at `at` and move `dx`, `dy` screen pixels in `steps` (the button stays down). */
async function pressAndMove(at: [number, number], dx: number, dy: number, steps: number) {
  const from = await screenOf(page, at);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + dx, from.y + dy, { steps });
  return from;
}

test('after dragging a drawing, the next map click is a click (it places a point)', async () => {
  await selectedMarker('a-dragnext01', [120.02, 30.58]);
  await pressAndMove([120.02, 30.58], 60, 30, 2); // beyond the click tolerance: MapLibre sends no click
  await page.mouse.up();
  await expect.poll(() => coordinatesOf('a-dragnext01')).not.toEqual([120.02, 30.58]);

  const before = Object.keys(await annotationsOf(page, SCOPE)).length;
  await page.click('[data-tool=point]');
  await clickAt(page, [120.0, 30.62]);
  await expect.poll(async () => Object.keys(await annotationsOf(page, SCOPE)).length).toBe(before + 1);
});

test('a drag released off the map, or where the map never heard it, ends there', async () => {
  await selectedMarker('a-dragoff001', [120.03, 30.54]);
  await pressAndMove([120.03, 30.54], 40, 0, 2);
  const aside = (await page.locator('aside').boundingBox())!;
  await page.mouse.move(aside.x + 50, aside.y + 300, { steps: 2 });
  await page.mouse.up(); // over the side panel
  const dropped = await coordinatesOf('a-dragoff001');
  expect(dropped).not.toEqual([120.03, 30.54]); // where the map last had it
  // Back on the map with no button held, nothing follows the pointer and a click commits nothing.
  const away = await screenOf(page, [120.0, 30.5]);
  await page.mouse.move(away.x, away.y, { steps: 2 });
  await page.mouse.click(away.x, away.y);
  await page.waitForTimeout(300);
  expect(await coordinatesOf('a-dragoff001')).toEqual(dropped);

  // Released outside the window: the page hears no mouseup, only a move with no button down.
  await selectedMarker('a-dragoff002', [120.03, 30.51]);
  const start = await pressAndMove([120.03, 30.51], 40, 0, 2);
  const cdp = await page.context().newCDPSession(page);
  for (const [x, y] of [
    [start.x + 60, start.y + 40],
    [away.x, away.y],
  ] as const)
    await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y, button: 'none', buttons: 0 });
  await page.waitForTimeout(300);
  const released = await coordinatesOf('a-dragoff002');
  expect(released).not.toEqual([120.03, 30.51]);
  await page.mouse.up(); // to the page, a click far from where the drag ended
  await page.waitForTimeout(300);
  expect(await coordinatesOf('a-dragoff002')).toEqual(released);
});

test('a label being typed stays when someone else changes the drawing, and follows it again after', async () => {
  await selectedMarker('a-labeltyped', [120.06, 30.6], '旧标签');
  await page.click('[data-testid=label-input]');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('新的集结地点');
  await putMarker('a-labeltyped', [120.061, 30.601], '旧标签'); // a colleague moves it meanwhile
  await page.waitForTimeout(300);
  expect(await page.inputValue('[data-testid=label-input]')).toBe('新的集结地点');
  await page.keyboard.press('Enter');
  expect((await annotationsOf(page, SCOPE))['a-labeltyped']).toMatchObject({
    label: '新的集结地点',
    geometry: { coordinates: [120.061, 30.601] },
  });
  // Saved and left, the field follows the record again.
  await page.locator('[data-testid=op-name]').click();
  await putMarker('a-labeltyped', [120.061, 30.601], '集结地点（改）');
  await expect.poll(() => page.inputValue('[data-testid=label-input]')).toBe('集结地点（改）');
});

test('measuring over a drawing neither selects, drags nor deletes it', async () => {
  const at: [number, number] = [120.09, 30.58];
  await selectedMarker('a-measureon1', at);
  await page.click('[data-testid=tool-measure]');
  await expect.poll(() => page.locator('[data-testid=properties]').count()).toBe(0); // switching it on deselects
  await clickAt(page, at);
  await pressAndMove(at, 5, 4, 2); // a sloppy measuring click on the marker
  await page.mouse.up();
  await page.keyboard.press('Backspace');
  await page.waitForTimeout(300);
  expect(await page.locator('[data-testid=properties]').count()).toBe(0);
  expect(await coordinatesOf('a-measureon1')).toEqual(at);
  await clickAt(page, [120.1, 30.6]); // the second point: the click on the marker was the first
  await expect.poll(() => page.locator('[data-testid=measure-distance]').count()).toBe(1);
});

test('measuring over a task marker does not open the task; the select tool does', async () => {
  const at: [number, number] = [120.06, 30.6];
  const task = fixtures.missingPersonTask({
    id: 't-measureon1',
    stationId: SCOPE,
    targetStations: ['linping-yunhe'],
    location: { type: 'Point', coordinates: at },
    createdBy: 'u-deqing',
    createdAt: Date.now(),
    updatedAt: Date.now(),
  });
  await page.evaluate(
    ({ scope, task }) => {
      type Writer = { write(scope: string, change: object): void };
      const s = (window as unknown as { jointmap: { session: Writer } }).jointmap.session;
      s.write(scope, { type: 'put', map: 'tasks', key: task.id, value: task });
    },
    { scope: SCOPE, task },
  );
  await page.waitForTimeout(500);
  await page.click('[data-testid=tool-measure]');
  await clickAt(page, at);
  await page.waitForTimeout(300);
  expect(await page.locator('[data-testid=task-panel]').count()).toBe(0);
  await page.keyboard.press('Escape'); // measuring off
  await clickAt(page, at);
  await page.waitForSelector('[data-testid=task-panel][data-task="t-measureon1"]');
});
