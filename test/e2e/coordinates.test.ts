import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { applyChange, docName, lngLat, type Annotation } from '@jointmap/shared';
// turf's own length and area (the test directory has no turf of its own to import).
import { pathLengthM, polygonAreaM2 } from '@jointmap/shared/geo/measure';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, type TestServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { offset, raiseTask } from './dispatch-scene.ts';
import { jumpTo, screenOf } from './map-actions.ts';

/** The tri-county junction and two points about 2 km east and north-east of it (WGS-84). */
const JUNCTION: [number, number] = [120.2954, 30.5222];
const EAST: [number, number] = [120.3162, 30.5222];
const NORTH_EAST: [number, number] = [120.3162, 30.5402];
const ELSEWHERE: [number, number] = [120.05, 30.7];

interface MapHooks {
  jointmapMap: {
    getCenter(): { lng: number; lat: number };
    getZoom(): number;
    unproject(p: [number, number]): { lng: number; lat: number };
    isMoving(): boolean;
    getBounds(): { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number };
    getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> };
  };
  jointmap: { session: { data: { jurisdictions: GeoJSON.FeatureCollection } } };
}

async function openConsole(t: Parameters<typeof startServer>[0], server: TestServer): Promise<Page> {
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  return page;
}

/** The map's centre once it has stopped moving. */
async function settledCenter(page: Page): Promise<[number, number]> {
  await page.waitForFunction(() => !(window as unknown as MapHooks).jointmapMap.isMoving());
  return page.evaluate(() => {
    const c = (window as unknown as MapHooks).jointmapMap.getCenter();
    return [c.lng, c.lat] as [number, number];
  });
}

/** Metres one screen pixel spans at the map's centre right now. */
function metresPerPixel(page: Page): Promise<number> {
  return page.evaluate(() => {
    const m = (window as unknown as MapHooks).jointmapMap;
    const a = m.unproject([100, 100]);
    const b = m.unproject([101, 100]);
    return Math.abs(b.lng - a.lng) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  });
}

/** Geodesic metres between two WGS-84 points, as turf measures them. */
const distance = (a: readonly number[], b: readonly number[]) =>
  pathLengthM([lngLat(a[0]!, a[1]!), lngLat(b[0]!, b[1]!)]);

const parseDecimal = (text: string) => text.split(',').map((s) => Number(s.trim())) as [number, number];

/** Copy a readout value with a click, paste it into the go-to box with the keyboard, prefixed by `mark`. */
async function copyAndGo(page: Page, testId: string, mark = ''): Promise<string> {
  await page.click(`[data-testid=${testId}]`);
  await page.waitForSelector('[data-testid=coord-copied]');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe((await page.textContent(`[data-testid=${testId}]`))?.replace(/^GCJ-02（高德）\s*/, ''));
  await jumpTo(page, { center: ELSEWHERE, zoom: 11 });
  const box = page.locator('[data-testid=coord-goto]');
  await box.fill(mark);
  await box.press('End');
  await box.press('ControlOrMeta+V');
  expect(await box.inputValue()).toBe(mark + copied);
  await box.press('Enter');
  return copied;
}

test('a clicked point round-trips through copy, paste and go-to as WGS-84, 度分秒 and marked GCJ-02', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const page = await openConsole(t, server);
  await jumpTo(page, { center: JUNCTION, zoom: 14 });

  // The readout follows the cursor, and a click pins the point under it.
  const at = await screenOf(page, JUNCTION);
  await page.mouse.move(at.x, at.y);
  await page.mouse.click(at.x, at.y);
  expect(await page.textContent('[data-testid=coord-state]')).toContain('光标');
  // Off the map (on its way to the readout) the readout holds the pinned point.
  await page.hover('[data-testid=coord-readout] .state');
  await expect.poll(() => page.textContent('[data-testid=coord-state]')).toContain('已固定');
  const pinned = parseDecimal((await page.textContent('[data-testid=coord-wgs84]'))!);
  const tolM = 2 * (await metresPerPixel(page));
  expect(distance(pinned, JUNCTION)).toBeLessThan(tolM);
  expect(await page.textContent('[data-testid=coord-dms]')).toMatch(/^30°31′\d\d\.\d\d″N 120°17′\d\d\.\d\d″E$/);
  await page.screenshot({ path: '/tmp/k-coords-readout.png' });

  // WGS-84 decimal: the map lands on the pinned point (6 decimals: within 1e-6°).
  await copyAndGo(page, 'coord-wgs84');
  const c1 = await settledCenter(page);
  expect(Math.abs(c1[0] - pinned[0])).toBeLessThan(1e-6);
  expect(Math.abs(c1[1] - pinned[1])).toBeLessThan(1e-6);

  // 度分秒 (hundredths of a second: within 0.5 m).
  await copyAndGo(page, 'coord-dms');
  expect(distance(await settledCenter(page), pinned)).toBeLessThan(0.5);

  // GCJ-02 for Amap: hundreds of metres off WGS-84 here, and back on the point within 1 m once marked.
  const gcj = await copyAndGo(page, 'coord-gcj02', 'GCJ-02 ');
  expect(distance(parseDecimal(gcj), pinned)).toBeGreaterThan(300);
  expect(distance(await settledCenter(page), pinned)).toBeLessThan(1);
  expect(await page.textContent('[data-testid=coord-goto-note]')).toContain('已由 GCJ-02 换算为 WGS-84');

  // Latitude first, as some systems print it, is recognised in China.
  await jumpTo(page, { center: ELSEWHERE, zoom: 11 });
  await page.fill('[data-testid=coord-goto]', `${pinned[1]}, ${pinned[0]}`);
  await page.press('[data-testid=coord-goto]', 'Enter');
  expect(distance(await settledCenter(page), pinned)).toBeLessThan(0.01);
  expect(await page.textContent('[data-testid=coord-goto-note]')).toContain('纬度在前');

  // Junk is refused in words, and the map stays put.
  const before = await settledCenter(page);
  await page.fill('[data-testid=coord-goto]', '禹越镇');
  await page.press('[data-testid=coord-goto]', 'Enter');
  expect(await page.textContent('[data-testid=coord-goto-note]')).toBe('无法识别的坐标');
  expect(await settledCenter(page)).toEqual(before);

  // In English the readout and the go-to box speak English, with no full-width punctuation.
  await page.click('[data-testid=lang-switch]');
  await page.hover('[data-testid=coord-readout] .state');
  await expect.poll(() => page.textContent('[data-testid=coord-state]')).toContain('Pinned');
  expect(await page.getAttribute('[data-testid=coord-goto]', 'placeholder')).toBe('Go to: decimal, DMS, GCJ-02');
  expect(await page.textContent('[data-testid=coord-gcj02]')).toMatch(/^GCJ-02 \(Amap\) \d+\.\d{6},\d+\.\d{6}$/);
});

test('测量 gives the distance and area of clicked points as turf measures them; 距离环 draws the chosen radii', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const page = await openConsole(t, server);
  await jumpTo(page, { center: [120.306, 30.531], zoom: 13 });
  const mpp = await metresPerPixel(page);

  await page.click('[data-testid=tool-measure]');
  await expect.poll(() => page.textContent('[data-testid=measure-panel]')).toContain('至少点击 2 个点');
  for (const p of [JUNCTION, EAST]) {
    const s = await screenOf(page, p);
    await page.mouse.click(s.x, s.y);
    await page.waitForTimeout(350); // two clicks, not a double-click
  }
  // The vertices are where we clicked, within a pixel.
  const vertices = async () =>
    (await page.evaluate(() => (window as unknown as MapHooks).jointmapMap.getSource('map-tools').getData())).features
      .filter((f) => f.properties?.part === 'vertex')
      .map((f) => (f.geometry as GeoJSON.Point).coordinates as [number, number]);
  await expect.poll(async () => (await vertices()).length).toBe(2);
  const [v0, v1] = await vertices();
  expect(distance(v0!, JUNCTION)).toBeLessThan(1.5 * mpp);
  expect(distance(v1!, EAST)).toBeLessThan(1.5 * mpp);

  const expected = distance(JUNCTION, EAST);
  const shown = page.locator('[data-testid=measure-distance]');
  const metres = Number(await shown.getAttribute('data-metres'));
  expect(Math.abs(metres - expected)).toBeLessThan(3 * mpp);
  expect(metres).toBeCloseTo(distance(v0!, v1!), 6);
  expect(await shown.textContent()).toBe(`${(metres / 1000).toFixed(2)} 公里`);

  // A third point and 面积: a right triangle of about 2 × 2 km, in 公顷 or 平方公里.
  const s = await screenOf(page, NORTH_EAST);
  await page.mouse.click(s.x, s.y);
  await page.click('[data-testid=measure-panel] button:has-text("面积")');
  const areaEl = page.locator('[data-testid=measure-area]');
  await areaEl.waitFor();
  const m2 = Number(await areaEl.getAttribute('data-m2'));
  const turfM2 = polygonAreaM2([JUNCTION, EAST, NORTH_EAST].map((p) => lngLat(p[0], p[1])));
  expect(Math.abs(m2 - turfM2) / turfM2).toBeLessThan(0.01);
  expect(await areaEl.textContent()).toBe(`${(m2 / 1e6).toFixed(2)} 平方公里`);
  await page.screenshot({ path: '/tmp/k-measure.png' });
  await page.click('[data-testid=lang-switch]');
  await expect.poll(() => areaEl.textContent()).toBe(`${(m2 / 1e6).toFixed(2)} km²`);
  expect(await page.textContent('[data-testid=measure-panel]')).toMatch(/Area: [\d.]+ km².*Perimeter: [\d.]+ km/);
  await page.screenshot({ path: '/tmp/k-measure-en.png' });
  await page.click('[data-testid=lang-switch]');

  // 距离环: 1 and 2.5 km around a clicked point, labelled on the rings.
  // Leaving 测量 drops the measurement.
  await page.click('[data-testid=tool-rings]');
  await expect.poll(() => page.locator('[data-testid=measure-panel]').count()).toBe(0);
  await expect.poll(async () => (await vertices()).length).toBe(0);
  await page.fill('[data-testid=rings-radii]', '1, 2.5');
  await page.press('[data-testid=rings-radii]', 'Enter');
  const c = await screenOf(page, JUNCTION);
  await page.mouse.click(c.x, c.y);
  const labels = async () =>
    (await page.evaluate(() => (window as unknown as MapHooks).jointmapMap.getSource('map-tools').getData())).features
      .filter((f) => f.properties?.part === 'label')
      .map((f) => f.properties!.label as string);
  await expect.poll(labels).toEqual(['1.00 公里', '2.50 公里']);
  await page.screenshot({ path: '/tmp/k-rings.png' });
});

test('the search box finds a unit by callsign and a station by short name, and flies there', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const page = await openConsole(t, server);
  await page.waitForSelector('[data-testid=live-state][data-state=online]');
  const input = page.locator('[data-testid=map-search-input]');
  await jumpTo(page, { center: ELSEWHERE, zoom: 10 });
  await input.fill('禹越巡01');
  const unitHit = page.locator('[data-testid=map-search-hit][data-kind=unit]').first();
  expect(await unitHit.isDisabled()).toBe(true); // no fix yet: nowhere to fly
  // Its first fix arrives while the list is open: the hit turns on.
  const fixAt: [number, number] = [120.2811, 30.5377];
  const q = new URLSearchParams({
    id: 'demo-yuyue-01',
    lat: String(fixAt[1]),
    lon: String(fixAt[0]),
    timestamp: String(Date.now()),
  });
  expect((await fetch(`${server.url}/api/positions/osmand?${q}`, { method: 'POST' })).status).toBe(200);
  await expect.poll(() => unitHit.isEnabled(), { timeout: 10_000 }).toBe(true);
  await page.screenshot({ path: '/tmp/k-search.png' });
  await unitHit.click();
  const c = await settledCenter(page);
  expect(distance(c, fixAt)).toBeLessThan(0.01);
  expect(await page.evaluate(() => (window as unknown as MapHooks).jointmapMap.getZoom())).toBeGreaterThanOrEqual(15);
  await page.screenshot({ path: '/tmp/k-search-hit.png' });

  // A station by its short name: the map fits its jurisdiction.
  await jumpTo(page, { center: [120.6, 30.9], zoom: 14 });
  await input.fill('临平运河');
  await page.click('[data-testid=map-search-hit][data-kind=station]');
  await settledCenter(page);
  const { view, box } = await page.evaluate(() => {
    const w = window as unknown as MapHooks;
    const b = w.jointmapMap.getBounds();
    const fs = w.jointmap.session.data.jurisdictions.features.filter(
      (f) => f.properties?.stationId === 'linping-yunhe',
    );
    const pts = JSON.stringify(fs.map((f) => f.geometry))
      .match(/-?\d+\.\d+,-?\d+\.\d+/g)!
      .map((s) => s.split(',').map(Number));
    return {
      view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
      box: [
        Math.min(...pts.map((p) => p[0]!)),
        Math.min(...pts.map((p) => p[1]!)),
        Math.max(...pts.map((p) => p[0]!)),
        Math.max(...pts.map((p) => p[1]!)),
      ],
    };
  });
  expect(box[0]).toBeGreaterThan(120); // the jurisdiction was found
  // The whole jurisdiction is in view, and it fills a good part of it.
  expect(view[0]).toBeLessThanOrEqual(box[0]!);
  expect(view[1]).toBeLessThanOrEqual(box[1]!);
  expect(view[2]).toBeGreaterThanOrEqual(box[2]!);
  expect(view[3]).toBeGreaterThanOrEqual(box[3]!);
  expect((box[2]! - box[0]!) / (view[2]! - view[0]!)).toBeGreaterThan(0.3);
});

test('the search box finds an annotation by its label and a task by its title, and flies to each', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const markAt = offset(JUNCTION, -900, 700);
  const taskAt = offset(JUNCTION, 800, -600);
  // 德清's dispatcher draws a labelled point; 临平 raises a task (both written as other clients would).
  const deqing = await server.login('deqing');
  const c = await connectClient(t, server.wsUrl, docName(DEMO_OP, 'deqing-yuyue'), deqing.token);
  const now = Date.now();
  const mark: Annotation = {
    id: 'search-mark',
    kind: 'point',
    geometry: { type: 'Point', coordinates: markAt },
    label: '临时卡口（禹越桥北）',
    color: '#dc2626',
    author: deqing.user.id,
    createdAt: now,
    updatedAt: now,
  };
  applyChange(
    c.doc,
    'station',
    { type: 'put', map: 'annotations', key: mark.id, value: mark },
    { source: 'session', sessionId: 'search-seed', userId: deqing.user.id },
  );
  await raiseTask(server, 'linping', 'linping-yunhe', {
    title: '协查蓝色三轮车',
    location: { type: 'Point', coordinates: taskAt },
    priority: 'normal',
    targetStations: ['deqing-yuyue'],
  });
  const page = await openConsole(t, server);
  const input = page.locator('[data-testid=map-search-input]');

  for (const [query, kind, at] of [
    ['禹越桥北', 'annotation', markAt],
    ['三轮车', 'task', taskAt],
  ] as const) {
    await jumpTo(page, { center: ELSEWHERE, zoom: 10 });
    await input.fill(query);
    const hit = page.locator(`[data-testid=map-search-hit][data-kind=${kind}]`);
    await expect.poll(() => hit.count(), { timeout: 10_000 }).toBe(1);
    expect(await hit.textContent()).toContain(kind === 'task' ? '协查蓝色三轮车' : mark.label);
    await hit.click();
    expect(distance(await settledCenter(page), at), `${kind} in the middle of the map`).toBeLessThan(1);
    expect(await page.evaluate(() => (window as unknown as MapHooks).jointmapMap.getZoom())).toBeGreaterThanOrEqual(15);
  }
  await page.screenshot({ path: '/tmp/k-search-task.png' });
});
