import { describe, expect, test } from 'vitest';
import { gcjTileOrigin, worldPx, wgs84ToGcj02 } from './gcj02-shift.ts';

type LngLat = [number, number];

/**
 * Published WGS-84 → GCJ-02 pairs, `[lng, lat]`, each with its source:
 * - gcoord (hujiulong/gcoord) `test/fixtures/china-cities.json` (7 decimals, ~1 cm) and
 *   `test/unit/crs/WGS84.spec.ts`;
 * - eviltransform (googollee/eviltransform) `go/transform_test.go`;
 * - coordtransform (wandergis/coordtransform) README example.
 * The three prefecture cities of the tri-county operation come first.
 */
const PUBLISHED: Array<{ name: string; wgs: LngLat; gcj: LngLat }> = [
  { name: '湖州 (德清)', wgs: [120.0819509, 30.8963939], gcj: [120.0868281, 30.8943522] },
  { name: '嘉兴 (桐乡)', wgs: [120.7511656, 30.7484263], gcj: [120.755491, 30.746132] },
  { name: '杭州 (临平)', wgs: [120.1503589, 30.2764043], gcj: [120.1550722, 30.274088] },
  { name: '乌鲁木齐', wgs: [87.6140048, 43.824388], gcj: [87.6168579, 43.8255962] },
  { name: '哈尔滨', wgs: [126.528903, 45.8017783], gcj: [126.5349726, 45.8037804] },
  { name: '三亚', wgs: [109.507813, 18.2545417], gcj: [109.5119135, 18.2528524] },
  { name: '拉萨', wgs: [91.1706414, 29.655277], gcj: [91.1721167, 29.6524954] },
  { name: 'gcoord [123, 45]', wgs: [123, 45], gcj: [123.00607541, 45.00197815] },
  { name: 'eviltransform 上海', wgs: [121.5272106, 31.1774276], gcj: [121.531541859215, 31.17530398364597] },
  { name: 'eviltransform 深圳', wgs: [113.912316, 22.543847], gcj: [113.9171764808363, 22.540796131694766] },
  { name: 'eviltransform 北京', wgs: [116.377817, 39.911954], gcj: [116.38404722455657, 39.91334545536069] },
  { name: 'coordtransform 北京', wgs: [116.404, 39.915], gcj: [116.41024449916938, 39.91640428150164] },
];

/** Great-circle distance in metres (haversine, mean Earth radius). */
function metres(a: LngLat, b: LngLat): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

/** Ground metres per pixel of 256-pixel Web-Mercator tiles at latitude `lat`, zoom `z`. */
const metresPerPx = (lat: number, z: number) => (156_543.033_92 * Math.cos((lat * Math.PI) / 180)) / 2 ** z;

/**
 * Where the GCJ-02 imagery's pixel showing `gcj` ends up once drawn into the WGS-84 tile that holds
 * `wgs`, compared with where `wgs` itself belongs in that tile: the error in pixels.
 */
function landingErrorPx(wgs: LngLat, gcj: LngLat, z: number): number {
  const size = 256;
  const w = worldPx(wgs, z, size);
  const x = Math.floor(w[0] / size);
  const y = Math.floor(w[1] / size);
  const { left, top } = gcjTileOrigin(z, x, y, size);
  const g = worldPx(gcj, z, size);
  return Math.hypot(g[0] - left - (w[0] - x * size), g[1] - top - (w[1] - y * size));
}

describe('wgs84ToGcj02 (the transform the GCJ-02 basemap shift uses)', () => {
  test.each(PUBLISHED)('$name: within 1 m of the published GCJ-02 position', ({ wgs, gcj }) => {
    const offset = metres(wgs, gcj);
    expect(offset).toBeGreaterThan(100); // a real offset, not a pair that happens to match the identity
    expect(metres(wgs84ToGcj02(wgs), gcj)).toBeLessThan(1);
  });

  test('outside China nothing moves', () => {
    expect(wgs84ToGcj02([2.3522, 48.8566])).toEqual([2.3522, 48.8566]);
  });
});

describe('gcjTileOrigin (which GCJ-02 pixels a WGS-84 tile is cut from)', () => {
  const zooms = [8, 10, 12, 14, 16, 17, 18, 19, 20];

  test.each(PUBLISHED)('$name: its GCJ-02 position is drawn at its WGS-84 pixel at every zoom', ({ wgs }) => {
    for (const z of zooms) {
      const err = landingErrorPx(wgs, wgs84ToGcj02(wgs), z);
      // The offset is taken at the tile centre. It changes by under 0.75 % of the distance (its
      // steepest slope in China), so at most ~0.9 px at a tile's edge (128 px away), at any zoom.
      expect(err, `z${z}`).toBeLessThan(1);
      if (z >= 18) expect(err * metresPerPx(wgs[1], z), `z${z} metres`).toBeLessThan(0.5);
    }
  });

  test.each(PUBLISHED)('$name: the published GCJ-02 position lands within 1.5 m at street zooms', ({ wgs, gcj }) => {
    // 1 m for the transform against the published pair plus 0.5 m for the per-tile shift.
    for (const z of [18, 19, 20]) expect(landingErrorPx(wgs, gcj, z) * metresPerPx(wgs[1], z)).toBeLessThan(1.5);
  });
});
