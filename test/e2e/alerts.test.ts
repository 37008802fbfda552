import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { CAR, offset, putRules, rule, send, square, startAlertServer } from '../alerts/alert-helpers.ts';
import { clickAt, screenOf, type PageHooks } from './map-actions.ts';

/** Rule records of one document as the page's own Y.Doc holds them. */
function rulesOf(
  page: Page,
  scope: string,
): Promise<Record<string, { name: string; type: string; polygon?: unknown }>> {
  return page.evaluate(
    (s) =>
      (window as unknown as PageHooks)
        .jointmap!.session.docs.find((d) => d.scope === s)!
        .doc.getMap('rules')
        .toJSON() as never,
    scope,
  );
}

const annotationCount = (page: Page) =>
  page.evaluate(() => (window as unknown as PageHooks).jointmap!.session.annotations.size);

/** Feature properties of a map source as the layer gave them to the map (not per tile). */
function sourceFeatures(page: Page, source: string): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(async (id) => {
    const map = (
      window as unknown as { jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } } }
    ).jointmapMap;
    return (await map.getSource(id).getData()).features.map((f) => f.properties ?? {});
  }, source);
}

test('a commander draws a zone rule in the console; it is stored in the command document and another console shows it', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const c = await newContext(browser);
  const d = await newContext(browser);
  const pc = await c.context.newPage();
  const pd = await d.context.newPage();
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(pc);
  await waitForMap(pd);

  // At 1280×800 the alerts and rules leave the roster at least six units in view.
  const rosterRowsInView = await pc.evaluate(() => {
    const box = document.querySelector('[data-testid=roster]')!.getBoundingClientRect();
    return Array.from(document.querySelectorAll('[data-testid=roster-unit]')).filter((u) => {
      const r = u.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom && r.bottom <= innerHeight;
    }).length;
  });
  expect(rosterRowsInView).toBeGreaterThanOrEqual(6);

  await pc.click('[data-testid=rule-add]');
  await pc.waitForSelector('[data-testid=rule-form]');
  // Bad input is refused in the form, with the field's message, and nothing is written.
  await pc.click('[data-testid=rule-save]');
  await expect.poll(() => pc.textContent('[data-testid=rule-error]')).toContain('请填写规则名称');
  await pc.fill('[data-testid=rule-name]', '油库禁入区');
  await pc.click('[data-testid=rule-save]');
  await expect.poll(() => pc.textContent('[data-testid=rule-error]')).toContain('请在地图上绘制区域');
  expect(await rulesOf(pc, 'command')).toEqual({});

  // Draw the zone on the map with the mouse: three clicks and a double-click.
  const annotationsBefore = await annotationCount(pc);
  await pc.click('[data-testid=rule-draw]');
  await pc.waitForSelector('[data-testid=rule-drawing]');
  const corners: Array<[number, number]> = [
    offset(-1500, -1500),
    offset(1500, -1500),
    offset(1500, 1500),
    offset(-1500, 1500),
  ];
  for (const v of corners.slice(0, -1)) {
    await clickAt(pc, v);
    await pc.waitForTimeout(350); // separate clicks, not a double-click
  }
  const last = await screenOf(pc, corners[3]!);
  await pc.mouse.dblclick(last.x, last.y);
  await pc.waitForSelector('[data-testid=rule-geometry]:has-text("4 个顶点")');
  await pc.selectOption('[data-testid=rule-trigger]', 'both');
  await pc.click('[data-testid=rule-save]');
  await pc.waitForSelector('[data-testid=rule-form]', { state: 'detached' });

  // Stored in the command document as a zone rule, and no annotation was made of the drawing.
  const stored = Object.values(await rulesOf(pc, 'command'));
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({
    name: '油库禁入区',
    type: 'zone',
    trigger: 'both',
    stationId: 'command',
    enabled: true,
  });
  expect((stored[0]!.polygon as { coordinates: number[][][] }).coordinates[0]).toHaveLength(5);
  expect(await annotationCount(pc)).toBe(annotationsBefore);
  await expect
    .poll(() => sourceFeatures(pc, 'alert-rules'))
    .toEqual([expect.objectContaining({ name: '油库禁入区', role: 'zone' })]);

  // The dispatcher's console gets it through the document: listed (read-only there) and drawn.
  await pd.click('[data-testid=rules] summary');
  await pd.waitForSelector('[data-testid=rule-row]:has-text("油库禁入区")');
  expect(await pd.locator('[data-testid=rule-row] [data-testid=rule-edit]').count()).toBe(0);
  await expect
    .poll(() => sourceFeatures(pd, 'alert-rules'))
    .toEqual([expect.objectContaining({ name: '油库禁入区', role: 'zone' })]);

  // Switched off in the commander's console: the other console sees it disabled.
  await pc.uncheck('[data-testid=rule-row] [data-testid=rule-toggle]');
  await pd.waitForSelector('[data-testid=rule-row].off');
  expect(c.guard.outside).toEqual([]);
  expect(d.guard.outside).toEqual([]);
});

test('a vehicle enters a zone: the alert appears on a console and the wall; acknowledged on the console, the wall follows', async (t) => {
  assertClientBuilt();
  // A single fix inside raises the alert at once (no hysteresis), so the test needs only two fixes.
  const server = await startAlertServer(t, { alertMinDurationS: 0, alertMarginM: 0 });
  await putRules(server, 'command', [
    rule('command', { id: 'depot', name: '油库禁入区', type: 'zone', polygon: square(300), trigger: 'enter' }),
  ]);
  const browser = await launchBrowser(t);
  const d = await newContext(browser);
  const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const pd = await d.context.newPage();
  const pw = await w.context.newPage();
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await waitForMap(pd);
  await waitForMap(pw);
  await pd.waitForSelector('[data-testid=live-state][data-state=online]');
  await pw.waitForSelector('[data-testid=wall-alerts][data-count="0"]');

  const now = Date.now();
  await send(server, CAR.deviceId, [
    { time: now - 2_000, at: offset(-800, 0), speedKmh: 30 },
    { time: now - 1_000, at: offset(0, 0), speedKmh: 30 },
  ]);

  // The console's alerts tab flags it; the list shows it (open, with the acknowledge button for this
  // station's dispatcher) and the roster marks the unit.
  await pd.waitForSelector('[data-testid=desk-tab-alerts].alarm');
  await pd.click('[data-testid=desk-tab-alerts]');
  const row = `[data-testid=alert-row][data-kind=zone_enter][data-unit=${CAR.unitId}]`;
  await pd.waitForSelector(`${row}[data-state=open]`);
  expect(await pd.textContent(row)).toContain('油库禁入区');
  await pd.waitForSelector(
    `[data-testid=roster-unit][data-unit=${CAR.unitId}] [data-testid=unit-alert][data-state=open]`,
  );
  await expect
    .poll(() => sourceFeatures(pd, 'alerts'))
    .toEqual([expect.objectContaining({ kind: 'zone_enter', state: 'open' })]);
  // The wall shows it prominently with its age, and the unit board marks the unit.
  await pw.waitForSelector('[data-testid=wall-alert][data-kind=zone_enter]');
  expect(await pw.textContent('[data-testid=wall-alert-age]')).toMatch(/^\d+:\d\d$/);
  await pw.waitForSelector(
    `[data-testid=unit-board-row][data-unit=${CAR.unitId}] [data-testid=unit-alert][data-state=open]`,
  );
  await pw.screenshot({ path: 'test-results/alerts-wall.png' });
  await pd.screenshot({ path: 'test-results/alerts-console.png' });

  // Clicking the alert selects the unit and loads its track around the alert time.
  await pd.click(`${row} button.main`);
  await pd.waitForSelector(`[data-testid=unit-details][data-unit=${CAR.unitId}]`);
  await pd.waitForSelector('[data-testid=track-slider]');

  // Acknowledged on the console: who and when are shown; the wall drops it from its open alerts.
  await pd.click(`${row} [data-testid=alert-ack]`);
  await pd.waitForSelector(`${row}[data-state=acknowledged]`);
  expect(await pd.textContent(`${row} [data-testid=alert-acked-by]`)).toMatch(/确认/);
  await pd.waitForSelector(`${row} [data-testid=alert-resolve]`);
  await pw.waitForSelector('[data-testid=wall-alerts][data-count="0"]');
  await pw.waitForSelector(
    `[data-testid=unit-board-row][data-unit=${CAR.unitId}] [data-testid=unit-alert][data-state=acknowledged]`,
  );
  expect(d.guard.outside).toEqual([]);
  expect(w.guard.outside).toEqual([]);
});
