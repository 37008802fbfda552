import { expect, test } from 'vitest';
import {
  cleanPolygon,
  generateArea,
  jurisdictionsOf,
  operationArea,
  polygonAreaM2,
  splitArea,
} from './search-geometry.ts';

/** A square of `sideM` metres (roughly) with its south-west corner at [x, y]. */
const square = (x: number, y: number, sideM: number): GeoJSON.Polygon => {
  const dy = sideM / 111_195;
  const dx = dy / Math.cos((y * Math.PI) / 180);
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x, y],
        [x + dx, y],
        [x + dx, y + dy],
        [x, y + dy],
        [x, y],
      ],
    ],
  };
};

test('a stored polygon is rounded to 1e-7°, loses repeated vertices and seam holes, keeps real holes', () => {
  const seam = [
    [120.1, 30.1],
    [120.1000001, 30.1],
    [120.1000001, 30.1000001],
    [120.1, 30.1],
  ];
  const lake = [
    [120.2, 30.2],
    [120.3, 30.2],
    [120.3, 30.3],
    [120.2, 30.2],
  ];
  const p: GeoJSON.Polygon = {
    type: 'Polygon',
    coordinates: [
      [
        [120.000000001, 30],
        [120.5, 30],
        [120.5, 30],
        [120.5, 30.5],
        [120, 30.5],
        [120, 30],
      ],
      seam,
      lake,
    ],
  };
  expect(cleanPolygon(p)).toEqual({
    type: 'Polygon',
    coordinates: [
      [
        [120, 30],
        [120.5, 30],
        [120.5, 30.5],
        [120, 30.5],
        [120, 30],
      ],
      lake,
    ],
  });
  expect(
    cleanPolygon({
      type: 'Polygon',
      coordinates: [
        [
          [1, 1],
          [1, 1],
          [1, 1],
          [1, 1],
        ],
      ],
    }),
  ).toBeNull();
});

test('a generated area is speed × time around the last-known point, clipped to the operation area', () => {
  const clip = operationArea([{ stationId: 'a', area: square(119.9, 29.9, 40_000) }]);
  const r = generateArea({ point: [120.1, 30.1], elapsedMin: 60, mode: 'foot', clip });
  expect(r.ok).toBe(true);
  // 4 km/h for an hour: a 4 km circle (a 64-gon: 0.16 % less than the true circle).
  expect(r.ok && polygonAreaM2(r.value) / (Math.PI * 4000 ** 2)).toBeCloseTo(0.998, 2);
});

test('a circle that misses the operation area, or no elapsed time, is a clear error', () => {
  const clip = operationArea([{ stationId: 'a', area: square(119.9, 29.9, 5_000) }]);
  expect(generateArea({ point: [121, 31], elapsedMin: 10, mode: 'foot', clip })).toEqual({
    ok: false,
    error: { key: 'search.error.outside' },
  });
  expect(generateArea({ point: [119.91, 29.91], elapsedMin: 0, mode: 'car', clip })).toEqual({
    ok: false,
    error: { key: 'search.error.elapsed' },
  });
});

test('a grid split names cells from the north-west; too many cells for the area is refused with the count', () => {
  const area = square(120, 30, 2_000);
  const r = splitArea(area, { how: 'grid', cellM: 1_000 }, []);
  expect(r.ok && r.value.map((s) => [s.name, s.stationId])).toEqual([
    ['A1', null],
    ['A2', null],
    ['B1', null],
    ['B2', null],
  ]);
  // 30 × 30 km: about 900 one-kilometre cells (the grid's frame adds a column at this latitude).
  const tooMany = splitArea(square(120, 30, 30_000), { how: 'grid', cellM: 1_000 }, []);
  expect(tooMany).toEqual({
    ok: false,
    error: { key: 'search.error.tooManyCells', params: { cells: expect.any(Number), max: 400 } },
  });
  expect(!tooMany.ok && tooMany.error.params?.cells).toBeGreaterThanOrEqual(900);
  expect(!tooMany.ok && tooMany.error.params?.cells).toBeLessThanOrEqual(961);
  expect(splitArea(area, { how: 'grid', cellM: 0 }, [])).toEqual({
    ok: false,
    error: { key: 'search.error.cellSize' },
  });
});

test('a jurisdiction split gives each station its part of the area', () => {
  const west = square(120, 30, 1_000);
  const east = square(west.coordinates[0]![1]![0]!, 30, 1_000);
  const fc: GeoJSON.FeatureCollection = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { stationId: 'w' }, geometry: west },
      { type: 'Feature', properties: { stationId: 'e' }, geometry: east },
      { type: 'Feature', properties: {}, geometry: east },
    ],
  };
  const jurisdictions = jurisdictionsOf(fc);
  expect(jurisdictions.map((j) => j.stationId)).toEqual(['w', 'e']);
  const area = square(120.005, 30.002, 600);
  const r = splitArea(area, { how: 'jurisdiction' }, jurisdictions);
  expect(r.ok && r.value.map((s) => [s.name, s.stationId])).toEqual([
    ['A', 'w'],
    ['B', 'e'],
  ]);
});
