import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadBasemaps } from '@jointmap/server/config';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, tempDir } from '../helpers/server.ts';
import { startTileServer } from '../helpers/tile-server.ts';
import { vectorBasemapPmtiles } from '../helpers/vector-fixture.ts';

test('intranet XYZ basemaps (WGS-84 and GCJ-02) are drawn under the operation layers', async (t) => {
  assertClientBuilt();
  const tiles = await startTileServer(t);
  const dir = tempDir();
  const file = join(dir, 'basemaps.json');
  writeFileSync(
    file,
    JSON.stringify([
      { id: 'wgs', name: '市局影像', type: 'xyz', url: `${tiles.url}/wgs/{z}/{x}/{y}.png`, crs: 'WGS-84' },
      { id: 'gcj', name: '内网电子地图', type: 'xyz', url: `${tiles.url}/gcj/{z}/{x}/{y}.png`, crs: 'GCJ-02' },
    ]),
  );
  const server = await startServer(t, { basemaps: loadBasemaps(file) });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await expect
    .poll(() => tiles.requests.filter((r) => r.startsWith('/wgs/')).length, { timeout: 20_000 })
    .toBeGreaterThan(0);
  await expect
    .poll(() => tiles.requests.filter((r) => r.startsWith('/gcj/')).length, { timeout: 20_000 })
    .toBeGreaterThan(0);
  const layers = await page.evaluate(() => {
    const map = (window as unknown as { jointmapMap: { getStyle(): { layers: Array<{ id: string }> } } }).jointmapMap;
    return map.getStyle().layers.map((l) => l.id);
  });
  // Both basemaps exist and sit below every operation layer (annotations, jurisdictions' labels).
  const wgs = layers.indexOf('basemap-wgs');
  const gcj = layers.indexOf('basemap-gcj');
  expect(wgs).toBeGreaterThanOrEqual(0);
  expect(gcj).toBeGreaterThanOrEqual(0);
  const firstAnnotationLayer = layers.findIndex((id) => id.includes('annotation'));
  expect(firstAnnotationLayer).toBeGreaterThan(Math.max(wgs, gcj));
  // GCJ-02 tiles are fetched around the shifted position, so the requested tile set is what the
  // client computed, not MapLibre's own; at the demo zoom the ~500 m offset keeps them adjacent.
  expect(guard.outside).toEqual([]);
});

test('a PMTiles basemap missing at start is named on the map, keeps the county wash, and is drawn once its file appears', async (t) => {
  assertClientBuilt();
  const dir = tempDir();
  const file = join(dir, 'basemaps.json');
  writeFileSync(
    file,
    JSON.stringify([{ id: 'osm', name: '矢量底图', type: 'pmtiles', file: 'osm.pmtiles', crs: 'WGS-84' }]),
  );
  const server = await startServer(t, { basemaps: loadBasemaps(file) });
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  const notice = page.getByTestId('basemap-notice');
  await notice.waitFor({ timeout: 20_000 });
  expect(await notice.textContent()).toContain('底图“矢量底图”暂不可用');
  const state = () =>
    page.evaluate(() => {
      type M = { getLayer(id: string): unknown; getPaintProperty(id: string, p: string): unknown };
      const map = (window as unknown as { jointmapMap: M }).jointmapMap;
      return { wash: map.getPaintProperty('context-fill', 'fill-opacity'), added: !!map.getLayer('basemap-osm-water') };
    });
  const before = await state();
  expect(before.added).toBe(false);
  expect(before.wash).not.toBe(0); // the offline basemap stays as it is

  // The operator copies the (vector) archive in: the client asks again and draws it as vector.
  writeFileSync(join(dir, 'osm.pmtiles'), vectorBasemapPmtiles());
  await expect.poll(state, { timeout: 60_000 }).toEqual({ wash: 0, added: true });
  await notice.waitFor({ state: 'detached', timeout: 5_000 });
});
