import { describe, expect, test } from 'vitest';
import { lngLat } from './lnglat.ts';
import {
  DEFAULT_RING_RADII_M,
  formatArea,
  formatDistance,
  parseRadii,
  pathLengthM,
  perimeterM,
  polygonAreaM2,
  rangeRings,
} from './measure.ts';

/** 0.01° of latitude on turf's sphere (R = 6 371 008.8 m). */
const LAT_001_M = 1111.9508;
const junction = lngLat(120.2954, 30.5222);

describe('measuring', () => {
  test('a path adds its legs; fewer than two points measure nothing', () => {
    const a = lngLat(120, 30);
    const b = lngLat(120, 30.01);
    const c = lngLat(120, 30.03);
    expect(pathLengthM([a, b, c])).toBeCloseTo(3 * LAT_001_M, 1);
    expect(pathLengthM([a])).toBe(0);
  });

  test('a 1 km square near the equator is 100 公顷 with a 4 km perimeter', () => {
    const d = 1000 / (LAT_001_M * 100);
    const square = [lngLat(0, 0), lngLat(d, 0), lngLat(d, d), lngLat(0, d)];
    expect(polygonAreaM2(square) / 1e6).toBeCloseTo(1, 2);
    expect(perimeterM(square)).toBeCloseTo(4000, 0);
    expect(polygonAreaM2(square.slice(0, 2))).toBe(0);
  });

  test('distances and areas read in 米/公里 and 平方米/公顷/平方公里', () => {
    expect(formatDistance(12.4)).toEqual({ value: '12', unit: 'm' });
    expect(formatDistance(999.4)).toEqual({ value: '999', unit: 'm' });
    expect(formatDistance(1234.5)).toEqual({ value: '1.23', unit: 'km' });
    expect(formatDistance(123_456)).toEqual({ value: '123.5', unit: 'km' });
    expect(formatArea(9_999)).toEqual({ value: '9999', unit: 'm2' });
    expect(formatArea(25_000)).toEqual({ value: '2.50', unit: 'ha' });
    expect(formatArea(3_456_789)).toEqual({ value: '3.46', unit: 'km2' });
  });
});

describe('range rings', () => {
  test('radii in kilometres by default, metres when marked; sorted and de-duplicated', () => {
    expect(parseRadii('500米, 1, 2.5km')).toEqual([500, 1000, 2500]);
    expect(parseRadii('3 1 1 0.5')).toEqual([500, 1000, 3000]);
    expect(parseRadii('２公里、800m')).toEqual([800, 2000]);
  });

  test('nothing, zero, junk or too many radii are refused', () => {
    for (const t of ['', '0', 'abc', '1, x', '-1', '600', '1 2 3 4 5 6 7 8 9 10 11'])
      expect(parseRadii(t), t).toBeNull();
  });

  test('every ring vertex is its radius from the centre', () => {
    const rings = rangeRings(junction, DEFAULT_RING_RADII_M);
    expect(rings.map((r) => r.radiusM)).toEqual([500, 1000, 2000, 5000]);
    for (const r of rings) {
      for (const v of r.polygon.coordinates[0]!) {
        expect(pathLengthM([junction, lngLat(v[0]!, v[1]!)])).toBeCloseTo(r.radiusM, 0);
      }
    }
  });
});
