import { describe, expect, it } from 'vitest';
import { booleanPointInPolygon, distance, lineString, pointToLineDistance } from '@turf/turf';
import type { Polygon } from 'geojson';
import { createWalker, followRoute, KIND_SPEED_MPS, patrol, routeDone, seededRng, step } from './sim-walker.ts';

/** A 10 km square south-west of the tri-county junction. */
const square: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [120.2, 30.43],
      [120.3, 30.43],
      [120.3, 30.52],
      [120.2, 30.52],
      [120.2, 30.43],
    ],
  ],
};

describe('sim walker', () => {
  it('moves at the speed of its kind and stays inside the area', () => {
    const rng = seededRng(7);
    const w = createWalker(square, 'car', [120.25, 30.47], rng, 3);
    let prev = w.position;
    for (let i = 0; i < 600; i++) {
      const fix = step(w, 1, rng);
      expect(booleanPointInPolygon(w.position, square)).toBe(true);
      expect(fix.bearing).toBeGreaterThanOrEqual(0);
      expect(fix.bearing).toBeLessThan(360);
      const moved = distance(prev, w.position, { units: 'meters' });
      expect(moved).toBeLessThanOrEqual(KIND_SPEED_MPS.car * 1.2 + 0.01);
      prev = w.position;
    }
  });

  it('is deterministic for a seed', () => {
    const a = createWalker(square, 'foot', [120.25, 30.47], seededRng(1));
    const b = createWalker(square, 'foot', [120.25, 30.47], seededRng(1));
    expect(a.position).toEqual(b.position);
  });

  it('follows a route through every waypoint in order, then holds still', () => {
    const rng = seededRng(3);
    const w = createWalker(square, 'car', [120.25, 30.47], rng, 3);
    const route: [number, number][] = [
      [120.25, 30.47],
      [120.26, 30.47],
      [120.26, 30.48],
    ];
    const along = lineString([w.position, ...route]);
    followRoute(w, route, rng);
    let steps = 0;
    for (; steps < 600 && !routeDone(w); steps++) {
      step(w, 1, rng);
      // On the route's legs, in order: a skipped or reordered waypoint would leave this line.
      expect(pointToLineDistance(w.position, along, { units: 'meters' })).toBeLessThan(1);
    }
    expect(routeDone(w)).toBe(true);
    expect(distance(w.position, route[2]!, { units: 'meters' })).toBeLessThan(0.01);
    const end = w.position;
    const fix = step(w, 5, rng);
    expect(w.position).toEqual(end);
    expect(fix.speedMps).toBe(0);

    patrol(w, rng);
    step(w, 5, rng);
    expect(distance(end, w.position, { units: 'meters' })).toBeGreaterThan(10);
  });
});
