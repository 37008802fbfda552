import { describe, expect, test } from 'vitest';
import { distance } from '@turf/turf';
import gcoord from 'gcoord';
import { gcj02ToWgs84, wgs84ToGcj02 } from './gcj02.ts';

/** WGS-84 points over the demo area: 德清 centre, 临平, 桐乡, and the tri-county junction. */
const ZHEJIANG: Array<[number, number]> = [
  [119.9775123, 30.5443987],
  [120.2995, 30.419],
  [120.565, 30.63],
  [120.2954, 30.5222],
];

const metres = (a: readonly number[], b: readonly number[]) =>
  distance([a[0]!, a[1]!], [b[0]!, b[1]!], { units: 'meters' });

describe('GCJ-02 to WGS-84', () => {
  test.each(ZHEJIANG)('in Zhejiang (%s, %s): the round trip WGS→GCJ→WGS is within 1 mm', (lng, lat) => {
    const gcj = wgs84ToGcj02(lng, lat);
    expect(metres(gcj, [lng, lat])).toBeGreaterThan(300);
    expect(metres(gcj02ToWgs84(...gcj), [lng, lat])).toBeLessThan(0.001);
  });

  test.each(ZHEJIANG)('in Zhejiang (%s, %s): within 1 cm of gcoord’s own inverse', (lng, lat) => {
    const gcj = wgs84ToGcj02(lng, lat);
    const theirs = gcoord.transform(gcj, gcoord.GCJ02, gcoord.WGS84) as number[];
    expect(metres(gcj02ToWgs84(...gcj), theirs)).toBeLessThan(0.01);
  });

  test('outside China the point is unchanged, as gcoord leaves it', () => {
    for (const p of [
      [-73.9857, 40.7484],
      [151.2153, -33.8568],
      [72.003, 30],
      [100, 0.829],
      [0, 0],
    ] as Array<[number, number]>) {
      expect(gcj02ToWgs84(...p), String(p)).toEqual(p);
      expect(wgs84ToGcj02(...p), String(p)).toEqual(p);
    }
  });

  // gcoord's inverse never returns for these (its estimate steps in and out of its box of China).
  test(
    'points just inside the box of China, where gcoord’s inverse loops forever, return at once',
    { timeout: 2000 },
    () => {
      for (const p of [
        [72.51, 0.83],
        [72.005, 1],
      ] as Array<[number, number]>) {
        const [lng, lat] = gcj02ToWgs84(...p);
        expect(Math.abs(lng - p[0]), String(p)).toBeLessThan(0.01);
        expect(Math.abs(lat - p[1]), String(p)).toBeLessThan(0.01);
      }
    },
  );

  test(
    'every point along the edges of the box returns, within 0.02° (more than any GCJ-02 shift) of where it was',
    { timeout: 2000 },
    () => {
      const edges: Array<[number, number]> = [];
      for (let i = 0; i <= 500; i++) {
        const f = i / 500;
        const lng = 72.004 + f * (137.8347 - 72.004);
        const lat = 0.8293 + f * (55.8271 - 0.8293);
        for (const d of [0, 1e-4, 3e-3])
          edges.push([lng, 0.8293 + d], [lng, 55.8271 - d], [72.004 + d, lat], [137.8347 - d, lat]);
      }
      for (const p of edges) {
        const [lng, lat] = gcj02ToWgs84(...p);
        expect(Math.max(Math.abs(lng - p[0]), Math.abs(lat - p[1])), String(p)).toBeLessThan(0.02);
      }
    },
  );
});
