import { describe, expect, it } from 'vitest';
import { booleanPointInPolygon, distance } from '@turf/turf';
import type { Polygon } from 'geojson';
import { createWalker, KIND_SPEED_MPS, seededRng, step } from './sim-walker.ts';

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
});
