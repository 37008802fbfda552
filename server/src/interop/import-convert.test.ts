import { describe, expect, it } from 'vitest';
import type { FeatureCollection } from 'geojson';
import { circleRing } from '../geo/circle-ring.ts';
import { convertFeatures } from './import-convert.ts';

const options = { crs: 'wgs84', author: 'u-deqing', now: 1, defaultColor: '#dc2626', maxAnnotations: 100 } as const;
/** Metres per degree of latitude (spherical Earth, as `circleRing`). */
const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;

describe('the bbox of an import', () => {
  it('holds a circle whole, not its centre: one circle of 1 km spans about 2 km each way', () => {
    const file: FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { kind: 'circle', radiusM: 1_000, name: '搜索圈1公里' },
          geometry: { type: 'Polygon', coordinates: [circleRing(120.31, 30.53, 1_000)] },
        },
      ],
    };
    const out = convertFeatures(file, options);
    expect(out.annotations).toEqual([
      expect.objectContaining({ kind: 'circle', radiusM: 1_000, geometry: expect.objectContaining({ type: 'Point' }) }),
    ]);
    const [west, south, east, north] = out.bbox!;
    expect(west).toBeLessThan(east);
    expect(south).toBeLessThan(north);
    expect((north - south) * M_PER_DEG).toBeCloseTo(2_000, -1);
    expect((east - west) * M_PER_DEG * Math.cos((30.53 * Math.PI) / 180)).toBeCloseTo(2_000, -1);
    const [lng, lat] = (out.annotations[0]!.geometry as { coordinates: number[] }).coordinates as [number, number];
    expect([(west + east) / 2, (south + north) / 2].map((x) => x.toFixed(5))).toEqual(
      [lng, lat].map((x) => x.toFixed(5)),
    );
  });
});
