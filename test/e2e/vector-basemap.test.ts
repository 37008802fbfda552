import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { loadBasemaps } from '@jointmap/server/config';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, tempDir } from '../helpers/server.ts';
import { startTileServer } from '../helpers/tile-server.ts';
import { LAKE, PLACES, vectorBasemapPmtiles, vectorTile } from '../helpers/vector-fixture.ts';
import { jumpTo } from './map-actions.ts';

type LngLat = [number, number];
const VIEW = { center: [120.31, 30.555] as LngLat, zoom: 11 };
const WATER = [0xa9, 0xcd, 0xee]; // the style's water colour (client/src/lib/map/vector-style.ts)
const LAND = [0xf4, 0xf2, 0xec]; // its land (`earth`) colour

interface M {
  getStyle(): { layers: Array<{ id: string }> };
  getLayer(id: string): unknown;
  setLayoutProperty(id: string, k: string, v: string): void;
  once(e: string, f: () => void): void;
  project(p: LngLat): { x: number; y: number };
  getContainer(): HTMLElement;
  queryRenderedFeatures(o: { layers: string[] }): Array<{ layer: { id: string }; properties: Record<string, unknown> }>;
}

/** Show only the layers `keep` matches, and wait until the map has drawn them. */
async function showOnly(page: Page, keep: string): Promise<void> {
  await page.evaluate((pattern) => {
    const map = (window as unknown as { jointmapMap: M }).jointmapMap;
    const re = new RegExp(pattern);
    for (const l of map.getStyle().layers)
      map.setLayoutProperty(l.id, 'visibility', re.test(l.id) && !l.id.startsWith('slot-') ? 'visible' : 'none');
    return new Promise<void>((resolve) => map.once('idle', () => resolve()));
  }, keep);
}

/** Page coordinates of `points` (the map may not start at the page's top left). */
function toPage(page: Page, points: LngLat[]): Promise<Array<{ x: number; y: number }>> {
  return page.evaluate((pts) => {
    const map = (window as unknown as { jointmapMap: M }).jointmapMap;
    const box = map.getContainer().getBoundingClientRect();
    return pts.map((p) => {
      const q = map.project(p);
      return { x: box.left + q.x, y: box.top + q.y };
    });
  }, points);
}

/** RGB of a real screenshot's pixels at `points`, decoded in the page. */
async function pixels(page: Page, points: Array<{ x: number; y: number }>): Promise<number[][]> {
  const shot = await page.screenshot({ type: 'png' });
  return page.evaluate(
    async ({ b64, pts }) => {
      const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const ctx = new OffscreenCanvas(img.width, img.height).getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return pts.map((p) => Array.from(ctx.getImageData(Math.round(p.x), Math.round(p.y), 1, 1).data.slice(0, 3)));
    },
    { b64: shot.toString('base64'), pts: points },
  );
}

/**
 * How alike each drawn place label is to each text drawn by the browser in Noto Sans SC (and to a
 * string of boxes, U+FFFF, what a missing glyph looks like): the dark pixels of a crop around the
 * label and of the reference, aligned at their top left corners.
 */
async function labelLikeness(page: Page, anchors: Array<{ x: number; y: number }>, texts: string[]) {
  const shot = await page.screenshot({ type: 'png' });
  return page.evaluate(
    async ({ b64, anchors, texts }) => {
      const W = 110;
      const H = 44;
      type Mask = Array<[number, number]>;
      const mask = (ctx: OffscreenCanvasRenderingContext2D, x0: number, y0: number): Mask => {
        const { data } = ctx.getImageData(x0, y0, W, H);
        const ink: Mask = [];
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const i = (y * W + x) * 4;
            if (0.3 * data[i]! + 0.59 * data[i + 1]! + 0.11 * data[i + 2]! < 128) ink.push([x, y]);
          }
        const mx = Math.min(...ink.map((p) => p[0]));
        const my = Math.min(...ink.map((p) => p[1]));
        return ink.map(([x, y]) => [x - mx, y - my]);
      };
      // Share of each mask's ink that the other covers, the lower of the two, at the best shift of
      // up to two pixels (SDF text and canvas text differ by fractions of a pixel).
      const near = (a: Mask, b: Mask, dx: number, dy: number) => {
        const sb = new Set(b.map(([x, y]) => `${x},${y}`));
        return a.filter(([x, y]) => sb.has(`${x + dx},${y + dy}`)).length / a.length;
      };
      const likeness = (a: Mask, b: Mask) => {
        let best = 0;
        for (let dx = -2; dx <= 2; dx++)
          for (let dy = -2; dy <= 2; dy++) best = Math.max(best, Math.min(near(a, b, dx, dy), near(b, a, -dx, -dy)));
        return best;
      };
      const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
      const shotCtx = new OffscreenCanvas(img.width, img.height).getContext('2d', { willReadFrequently: true })!;
      shotCtx.drawImage(img, 0, 0);
      const drawn = anchors.map((a) => mask(shotCtx, Math.round(a.x - W / 2), Math.round(a.y - H / 2)));
      const font = '500 15px "Noto Sans SC"';
      await document.fonts.load(font, texts.join(''));
      const refs = [...texts, '\uffff\uffff'].map((text) => {
        const ctx = new OffscreenCanvas(W, H).getContext('2d', { willReadFrequently: true })!;
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, W, H);
        ctx.fillStyle = '#000';
        ctx.font = font;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(text, W / 2, H / 2);
        return mask(ctx, 0, 0);
      });
      return { ink: drawn.map((d) => d.length), scores: drawn.map((d) => refs.map((r) => likeness(d, r))) };
    },
    { b64: shot.toString('base64'), anchors, texts },
  );
}

/**
 * A customer's vector PMTiles basemap (MVT, built here from GeoJSON with geojson-vt, vt-pbf and a
 * PMTiles v3 writer) is recognised from its header and drawn, in Chromium with every outside
 * request blocked, with the bundled style: the lake in the water colour, roads by class, the canal,
 * and the place names in Chinese from the bundled Noto Sans SC, under the operation layers.
 */
test('a vector PMTiles basemap draws water, roads and Chinese place names with the bundled font', async (t) => {
  assertClientBuilt();
  const dir = tempDir();
  writeFileSync(join(dir, 'area.pmtiles'), vectorBasemapPmtiles());
  const file = join(dir, 'basemaps.json');
  writeFileSync(
    file,
    JSON.stringify([{ id: 'area', name: '矢量底图', type: 'pmtiles', file: 'area.pmtiles', crs: 'WGS-84' }]),
  );
  const basemaps = loadBasemaps(file);
  expect(basemaps[0]!.format).toBe('vector');
  const server = await startServer(t, { basemaps });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1600, height: 1000 } });
  const fonts = { served: [] as string[], failed: [] as string[] };
  context.on('response', (res) => {
    if (/\.woff2(?:$|\?)/.test(res.url())) (res.status() < 400 ? fonts.served : fonts.failed).push(res.url());
  });
  context.on('requestfailed', (req) => {
    if (/\.woff2(?:$|\?)/.test(req.url())) fonts.failed.push(req.url());
  });
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForFunction(() =>
    (window as unknown as { jointmapMap: M }).jointmapMap.getLayer('basemap-area-place-label'),
  );

  // Every basemap layer sits under the operation layers (the slot markers fix the order).
  const layers = await page.evaluate(() =>
    (window as unknown as { jointmapMap: M }).jointmapMap.getStyle().layers.map((l) => l.id),
  );
  const ours = layers.filter((id) => id.startsWith('basemap-area-'));
  expect(ours).toContain('basemap-area-water');
  expect(Math.max(...ours.map((id) => layers.indexOf(id)))).toBeLessThan(layers.indexOf('slot-context'));
  expect(Math.min(...ours.map((id) => layers.indexOf(id)))).toBeGreaterThan(layers.indexOf('slot-basemap'));

  // The whole map at the junction, as a user sees it.
  await jumpTo(page, VIEW, { idle: true });
  await waitForMap(page);
  await page.screenshot({ path: 'test-results/vector-basemap.png' });

  // Features of the basemap layers that MapLibre actually drew.
  const drawn = await page.evaluate(() => {
    const map = (window as unknown as { jointmapMap: M }).jointmapMap;
    const ids = ['water', 'waterway', 'road', 'water-label', 'place-label'].map((p) => `basemap-area-${p}`);
    return map.queryRenderedFeatures({ layers: ids }).map((f) => ({
      layer: f.layer.id.replace('basemap-area-', ''),
      kind: f.properties.kind,
      name: f.properties['name:zh'] ?? f.properties['name:zh-Hans'] ?? f.properties.name,
    }));
  });
  const named = (layer: string) => new Set(drawn.filter((f) => f.layer === layer).map((f) => `${f.kind} ${f.name}`));
  expect([...named('water')]).toEqual([`lake ${LAKE.name}`]);
  expect([...named('water-label')]).toEqual([`lake ${LAKE.name}`]);
  expect([...named('waterway')]).toEqual(['canal 京杭大运河']);
  expect([...named('road')].sort()).toEqual(['highway 申嘉湖高速', 'major_road 320国道', 'minor_road 新市路']);
  expect([...named('place-label')].sort()).toEqual(PLACES.map((p) => `locality ${p.zh}`).sort());

  // Water: the middle of the lake has the water colour, land beside it the land colour.
  await showOnly(page, '^basemap-area-(earth|water)$');
  const [lake, land] = await toPage(page, [
    [(LAKE.sw[0] + LAKE.ne[0]) / 2, (LAKE.sw[1] + LAKE.ne[1]) / 2],
    [LAKE.ne[0] + 0.02, LAKE.sw[1] - 0.01],
  ]);
  const [lakeRgb, landRgb] = await pixels(page, [lake!, land!]);
  const near = (rgb: number[], want: number[]) => rgb.every((v, i) => Math.abs(v - want[i]!) <= 3);
  expect(near(lakeRgb!, WATER), `lake pixel ${lakeRgb}`).toBe(true);
  expect(near(landRgb!, LAND), `land pixel ${landRgb}`).toBe(true);

  // Place names: each label looks most like its own Chinese name drawn by the browser in Noto Sans
  // SC, and not like boxes (this machine has no Chinese system font: only the bundled one draws).
  await showOnly(page, '^basemap-area-(earth|place-label)$');
  const anchors = await toPage(
    page,
    PLACES.map((p) => p.at),
  );
  await page.screenshot({ path: 'test-results/vector-basemap-labels.png' });
  const likeness = await labelLikeness(
    page,
    anchors,
    PLACES.map((p) => p.zh),
  );
  likeness.scores.forEach((row, i) => {
    expect(likeness.ink[i], `dark pixels of label ${PLACES[i]!.zh}`).toBeGreaterThan(40);
    const others = row.filter((_, j) => j !== i);
    expect(row[i]! - Math.max(...others), `label ${PLACES[i]!.zh} likeness ${row}`).toBeGreaterThan(0.1);
  });
  // Closer in, with everything shown again: road names along the roads (for a person to look at).
  await showOnly(page, '.');
  await jumpTo(page, { center: [120.3, 30.585], zoom: 13 }, { idle: true });
  await page.screenshot({ path: 'test-results/vector-basemap-z13.png' });

  expect(fonts.failed).toEqual([]);
  expect(fonts.served.filter((u) => /-500-normal-/.test(u)).length, 'map label fonts fetched').toBeGreaterThan(0);
  expect(guard.outside).toEqual([]);
});

/**
 * An intranet vector tile service (XYZ URL of MVT tiles, `format: "vector"`) gets the same bundled
 * style: the map asks the service for tiles and draws its roads and Chinese place names.
 */
test('an intranet vector XYZ basemap is drawn with the bundled style', async (t) => {
  assertClientBuilt();
  const tiles = await startTileServer(t, (path) => {
    const m = /^\/mvt\/(\d+)\/(\d+)\/(\d+)\.pbf$/.exec(path);
    return Buffer.from((m && vectorTile(Number(m[1]), Number(m[2]), Number(m[3]))) ?? new Uint8Array());
  });
  const file = join(tempDir(), 'basemaps.json');
  writeFileSync(
    file,
    JSON.stringify([
      {
        id: 'gis',
        name: '内网矢量图',
        type: 'xyz',
        url: `${tiles.url}/mvt/{z}/{x}/{y}.pbf`,
        crs: 'CGCS2000',
        format: 'vector',
        maxzoom: 14,
      },
    ]),
  );
  const server = await startServer(t, { basemaps: loadBasemaps(file) });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForFunction(() => (window as unknown as { jointmapMap: M }).jointmapMap.getLayer('basemap-gis-road'));
  await jumpTo(page, VIEW, { idle: true });
  await waitForMap(page);
  const drawn = await page.evaluate(() =>
    (window as unknown as { jointmapMap: M }).jointmapMap
      .queryRenderedFeatures({ layers: ['basemap-gis-road', 'basemap-gis-place-label'] })
      .map((f) => `${f.layer.id} ${String(f.properties.kind)}`),
  );
  expect(new Set(drawn)).toEqual(
    new Set([
      'basemap-gis-road highway',
      'basemap-gis-road major_road',
      'basemap-gis-road minor_road',
      'basemap-gis-place-label locality',
    ]),
  );
  expect(tiles.requests.some((r) => r.startsWith('/mvt/11/'))).toBe(true);
  expect(guard.outside).toEqual([]);
});
