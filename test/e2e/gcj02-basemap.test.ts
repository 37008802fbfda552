import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadBasemaps } from '@jointmap/server/config';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, tempDir } from '../helpers/server.ts';
import { rgbaPng, startTileServer } from '../helpers/tile-server.ts';

type LngLat = [number, number];

/** 湖州 (吴兴区), a published WGS-84 / GCJ-02 pair: gcoord `test/fixtures/china-cities.json`. */
const HUZHOU = { wgs: [120.0819509, 30.8963939] as LngLat, gcj: [120.0868281, 30.8943522] as LngLat };
// MapLibre's zoom counts 512-pixel tiles: at map zoom 17 the 256-pixel tiles of zoom 18 are drawn
// 1:1, about 0.5 m a pixel here, so a pixel of error is half a metre.
const ZOOM = 17;
const TILE_ZOOM = ZOOM + 1;
const MARK: [number, number, number, number] = [255, 0, 255, 255];
const CLEAR: [number, number, number, number] = [0, 0, 0, 0];

/** Web-Mercator world pixel of `[lng, lat]` for 256-pixel tiles (written here, independent of the client). */
function worldPx([lng, lat]: LngLat, z: number): [number, number] {
  const scale = 256 * 2 ** z;
  const s = Math.sin((lat * Math.PI) / 180);
  return [((lng + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
}

/** GCJ-02 tiles, transparent but for a magenta disc (radius 3 px) at the published GCJ-02 position. */
function markTile(path: string): Buffer {
  const m = /^\/mark\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(path);
  const [z, x, y] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const [gx, gy] = worldPx(HUZHOU.gcj, z);
  const cx = gx - x * 256;
  const cy = gy - y * 256;
  const hit = m && cx > -4 && cx < 260 && cy > -4 && cy < 260;
  return rgbaPng(256, (px, py) => (hit && Math.hypot(px + 0.5 - cx, py + 0.5 - cy) <= 3 ? MARK : CLEAR));
}

/**
 * A customer GCJ-02 basemap is shifted onto our WGS-84 map: a mark the tiles carry at the GCJ-02
 * position of a published pair is drawn, in Chromium, at that pair's WGS-84 position (within two
 * pixels at a street zoom, i.e. about a metre; unshifted it would be ~520 m, about 1000 px, away).
 */
test('a GCJ-02 basemap mark lands on its WGS-84 position', async (t) => {
  assertClientBuilt();
  const tiles = await startTileServer(t, markTile);
  const file = join(tempDir(), 'basemaps.json');
  writeFileSync(
    file,
    JSON.stringify([
      { id: 'gcj', name: '内网电子地图', type: 'xyz', url: `${tiles.url}/mark/{z}/{x}/{y}.png`, crs: 'GCJ-02' },
    ]),
  );
  const server = await startServer(t, { basemaps: loadBasemaps(file) });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);

  // Only the customer basemap stays visible, centred on the pair at a street zoom.
  const expected = await page.evaluate(
    ({ wgs, zoom }) => {
      type M = {
        getStyle(): { layers: Array<{ id: string }> };
        setLayoutProperty(id: string, k: string, v: string): void;
        jumpTo(o: { center: [number, number]; zoom: number }): void;
        once(e: string, f: () => void): void;
        project(p: [number, number]): { x: number; y: number };
        getContainer(): HTMLElement;
      };
      const map = (window as unknown as { jointmapMap: M }).jointmapMap;
      for (const l of map.getStyle().layers)
        if (l.id !== 'basemap-gcj') map.setLayoutProperty(l.id, 'visibility', 'none');
      return new Promise<{ x: number; y: number }>((resolve) => {
        map.once('idle', () => {
          const p = map.project(wgs);
          const box = map.getContainer().getBoundingClientRect();
          resolve({ x: box.left + p.x, y: box.top + p.y });
        });
        map.jumpTo({ center: wgs, zoom });
      });
    },
    { wgs: HUZHOU.wgs, zoom: ZOOM },
  );

  // Read the pixels of a real screenshot (decoded in the page): the centroid of the magenta mark.
  const shot = await page.screenshot({ type: 'png' });
  const found = await page.evaluate(async (b64) => {
    const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const ctx = new OffscreenCanvas(img.width, img.height).getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, img.width, img.height);
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        if (data[i]! > 200 && data[i + 1]! < 90 && data[i + 2]! > 200) {
          n++;
          sx += x + 0.5;
          sy += y + 0.5;
        }
      }
    }
    return { n, x: sx / n, y: sy / n };
  }, shot.toString('base64'));

  expect(found.n, 'magenta pixels on screen').toBeGreaterThanOrEqual(12);
  expect(Math.hypot(found.x - expected.x, found.y - expected.y)).toBeLessThan(2);
  expect(tiles.requests.some((r) => r.startsWith(`/mark/${TILE_ZOOM}/`))).toBe(true);
  expect(guard.outside).toEqual([]);
});
