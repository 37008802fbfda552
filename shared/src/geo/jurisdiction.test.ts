import type { Polygon } from 'geojson';
import { describe, expect, test } from 'vitest';
import { createJurisdictionLookup } from './jurisdiction.ts';
import { lngLat } from './lnglat.ts';

/** Three squares meeting at a junction point, like the tri-county border near 禹越. */
const square = (x: number, y: number): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + 0.1, y],
      [x + 0.1, y + 0.1],
      [x, y + 0.1],
      [x, y],
    ],
  ],
});
const tricountyJunction = [
  { stationId: 'north-west', area: square(120.2, 30.5) },
  { stationId: 'north-east', area: square(120.3, 30.5) },
  { stationId: 'south', area: square(120.2, 30.4) },
];

describe('createJurisdictionLookup', () => {
  const lookup = createJurisdictionLookup(tricountyJunction);
  test('finds the containing area', () => {
    expect(lookup.stationAt(lngLat(120.25, 30.55))).toBe('north-west');
    expect(lookup.stationAt(lngLat(120.35, 30.55))).toBe('north-east');
    expect(lookup.stationAt(lngLat(120.25, 30.45))).toBe('south');
  });
  test('outside every area is null', () => {
    expect(lookup.stationAt(lngLat(120.35, 30.45))).toBeNull();
    expect(lookup.stationAt(lngLat(0, 0))).toBeNull();
  });
  test('rejects coordinates that are not WGS-84', () => {
    expect(() => lngLat(200, 30)).toThrow(RangeError);
    expect(() => lngLat(Number.NaN, 30)).toThrow(RangeError);
  });
});
