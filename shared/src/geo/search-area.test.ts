import { area, feature, featureCollection, intersect } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, test } from 'vitest';
import { haversineM } from './eta.ts';
import { lngLat } from './lnglat.ts';
import { insideSearchArea, searchAreaFromLastKnown, searchRadiusM, TRAVEL_SPEED_KMH } from './search-area.ts';

const HOUR = 3_600_000;
const LAT_001_M = 1111.9508;
const square = (x: number, y: number, size = 0.1): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + size, y],
      [x + size, y + size],
      [x, y + size],
      [x, y],
    ],
  ],
});
/** The three 0.1° squares of the junction fixture as one operation area; the south-east quadrant is outside. */
const tricountyOperationArea: MultiPolygon = {
  type: 'MultiPolygon',
  coordinates: [square(120.2, 30.5).coordinates, square(120.3, 30.5).coordinates, square(120.2, 30.4).coordinates],
};
/** Area of a regular 64-gon inscribed in a circle of radius r. */
const polygon64Area = (r: number) => 32 * Math.sin(Math.PI / 32) * r * r;
const maxDistance = (p: Polygon, from: ReturnType<typeof lngLat>) =>
  Math.max(...p.coordinates[0]!.map((q) => haversineM(from, lngLat(q[0]!, q[1]!))));

describe('searchAreaFromLastKnown', () => {
  const lastSeen = lngLat(120.35, 30.52); // in the north-east square, 0.02° north of the operation area's edge

  test('speeds by travel mode', () => {
    expect(TRAVEL_SPEED_KMH).toEqual({ foot: 4, bicycle: 12, car: 40 });
    expect(searchRadiusM(2 * HOUR, 'foot')).toBeCloseTo(8000, 6);
    expect(searchRadiusM(HOUR / 2, 'bicycle')).toBeCloseTo(6000, 6);
    expect(searchRadiusM(HOUR / 10, 'car')).toBeCloseTo(4000, 6);
  });

  test.each([
    [2 * HOUR, 'foot', 8000],
    [HOUR / 2, 'bicycle', 6000],
    [HOUR / 10, 'car', 4000],
  ] as const)('unclipped: a circle of speed × elapsed (%i ms by %s → %i m)', (elapsed, mode, radius) => {
    const circle = searchAreaFromLastKnown(lastSeen, elapsed, mode);
    const ring = circle.coordinates[0]!;
    expect(ring.length).toBe(65);
    for (const q of ring) expect(haversineM(lastSeen, lngLat(q[0]!, q[1]!))).toBeCloseTo(radius, -1);
  });

  test('clipped to the operation area: the part beyond its edge is cut off', () => {
    const r = 4000;
    const clipped = searchAreaFromLastKnown(lastSeen, HOUR, 'foot', tricountyOperationArea);
    // The edge at 30.5° is d = 2 × 1111.95 m south; the cut-off part is the circular segment beyond it.
    const d = 2 * LAT_001_M;
    const segment = r * r * Math.acos(d / r) - d * Math.sqrt(r * r - d * d);
    expect(area(clipped) / (polygon64Area(r) - segment)).toBeCloseTo(1, 2);
    for (const [, lat] of clipped.coordinates[0]!) expect(lat!).toBeGreaterThanOrEqual(30.5 - 1e-9);
    expect(maxDistance(clipped, lastSeen)).toBeLessThanOrEqual(r + 1);
  });

  test('a circle inside the operation area is not changed by clipping', () => {
    const inside = searchAreaFromLastKnown(lastSeen, HOUR / 4, 'foot', tricountyOperationArea);
    expect(area(inside) / polygon64Area(1000)).toBeCloseTo(1, 3);
  });

  test('when clipping splits the circle, the largest piece', () => {
    // Two 0.02° squares 0.01° apart. A 2 km circle around the west one's centre holds all of it
    // (its corners are 1.47 km away) and reaches 560 m into the east one.
    const west = square(120.3, 30.5, 0.02);
    const east = square(120.33, 30.5, 0.02);
    const clip: MultiPolygon = { type: 'MultiPolygon', coordinates: [west.coordinates, east.coordinates] };
    const piece = searchAreaFromLastKnown(lngLat(120.315, 30.51), HOUR / 2, 'foot', clip); // 2 km
    const whole = searchAreaFromLastKnown(lngLat(120.315, 30.51), HOUR / 2, 'foot');
    const split = intersect(featureCollection<Polygon | MultiPolygon>([feature(whole), feature(clip)]));
    expect([split?.geometry.type, split?.geometry.coordinates.length]).toEqual(['MultiPolygon', 2]);
    for (const [lng] of piece.coordinates[0]!) expect(lng!).toBeLessThanOrEqual(120.32 + 1e-9);
    expect(area(piece) / area(west)).toBeCloseTo(1, 3);
  });

  test('when clipping splits the circle, the piece holding the last-known point, even if smaller', () => {
    // Two separate operation areas: the point lies in the west one's east edge strip (0.004° wide),
    // and a 2 km circle around it reaches well into the bigger east one (0.02°).
    const west = square(120.296, 30.5, 0.004);
    const east = square(120.305, 30.49, 0.04);
    const clip: MultiPolygon = { type: 'MultiPolygon', coordinates: [west.coordinates, east.coordinates] };
    const point = lngLat(120.299, 30.502);
    const piece = searchAreaFromLastKnown(point, HOUR / 2, 'foot', clip); // 2 km
    const whole = searchAreaFromLastKnown(point, HOUR / 2, 'foot');
    const split = intersect(featureCollection<Polygon | MultiPolygon>([feature(whole), feature(clip)]));
    expect([split?.geometry.type, split?.geometry.coordinates.length]).toEqual(['MultiPolygon', 2]);
    const areas = (split!.geometry as MultiPolygon).coordinates.map((c) => area({ type: 'Polygon', coordinates: c }));
    expect(Math.min(...areas)).toBeLessThan(Math.max(...areas) / 5);
    expect(insideSearchArea([point[0], point[1]], piece)).toBe(true);
    for (const [lng] of piece.coordinates[0]!) expect(lng!).toBeLessThanOrEqual(120.3 + 1e-9);
    // A point outside both areas: the largest piece, as before.
    const outside = searchAreaFromLastKnown(lngLat(120.302, 30.502), HOUR / 2, 'foot', clip);
    for (const [lng] of outside.coordinates[0]!) expect(lng!).toBeGreaterThanOrEqual(120.305 - 1e-9);
  });

  test('refuses a non-positive elapsed time and a circle outside the operation area', () => {
    expect(() => searchAreaFromLastKnown(lastSeen, 0, 'foot')).toThrow(RangeError);
    expect(() => searchAreaFromLastKnown(lastSeen, -HOUR, 'car')).toThrow(RangeError);
    expect(() => searchAreaFromLastKnown(lngLat(120.5, 30.2), HOUR, 'foot', tricountyOperationArea)).toThrow(
      RangeError,
    );
  });

  test('steps sets the circle’s vertex count', () => {
    expect(searchAreaFromLastKnown(lastSeen, HOUR, 'foot', null, 16).coordinates[0]!.length).toBe(17);
  });
});
