import { describe, expect, it } from 'vitest';
import { bbox, booleanPointInPolygon, destination, distance, lineString, pointToLineDistance } from '@turf/turf';
import type { Polygon } from 'geojson';
import { sweepPath } from './sweep-path.ts';

const origin: [number, number] = [120.2954, 30.5222];
const east = (p: [number, number], m: number) =>
  destination(p, m, 90, { units: 'meters' }).geometry.coordinates as [number, number];
const north = (p: [number, number], m: number) =>
  destination(p, m, 0, { units: 'meters' }).geometry.coordinates as [number, number];

/** A 1,200 m (east–west) by 600 m sector at the tri-county junction. */
function rectangle(): Polygon {
  const ne = north(east(origin, 1200), 600);
  return {
    type: 'Polygon',
    coordinates: [[origin, [ne[0], origin[1]], ne, [origin[0], ne[1]], origin]],
  };
}

/** A grid cell clipped by a jurisdiction border: a 1,000 m square cut along its diagonal, plus a notch. */
function clippedCell(): Polygon {
  const se = east(origin, 1000);
  const ne = north(se, 1000);
  const notch = north(east(origin, 500), 200);
  return { type: 'Polygon', coordinates: [[origin, east(origin, 400), notch, east(origin, 600), se, ne, origin]] };
}

/** Every point of a fine grid inside the polygon, and its distance (m) to the path. */
function uncovered(polygon: Polygon, path: [number, number][], halfWidthM: number): number {
  const line = lineString(path);
  const [minX, minY, maxX, maxY] = bbox(polygon);
  let missed = 0;
  for (let i = 0; i <= 40; i++) {
    for (let j = 0; j <= 40; j++) {
      const p: [number, number] = [minX + ((maxX - minX) * i) / 40, minY + ((maxY - minY) * j) / 40];
      if (!booleanPointInPolygon(p, polygon)) continue;
      if (pointToLineDistance(p, line, { units: 'meters' }) > halfWidthM + 0.5) missed++;
    }
  }
  return missed;
}

describe('sweepPath', () => {
  it('covers a rectangular sector with passes along its longer side, one sweep width apart', () => {
    const sector = rectangle();
    const path = sweepPath(sector, 50);
    // 600 m / 50 m = 12 passes, each a start and an end point.
    expect(path).toHaveLength(24);
    expect(uncovered(sector, path, 25)).toBe(0);
    // Passes run east–west and alternate direction.
    const first = distance(path[0]!, path[1]!, { units: 'meters' });
    expect(Math.abs(first - 1200)).toBeLessThan(2);
    expect(path[1]![0]).toBeGreaterThan(path[0]![0]);
    expect(path[3]![0]).toBeLessThan(path[2]![0]);
  });

  it('covers a clipped, concave sector', () => {
    const sector = clippedCell();
    const path = sweepPath(sector, 50);
    expect(uncovered(sector, path, 25)).toBe(0);
  });

  it('misses part of the sector when the passes are wider apart than the sweep width', () => {
    // The check above can fail: a path planned for 200 m leaves strips uncovered at 50 m.
    const sector = rectangle();
    expect(uncovered(sector, sweepPath(sector, 200), 25)).toBeGreaterThan(0);
  });

  it('refuses a non-positive sweep width', () => {
    expect(() => sweepPath(rectangle(), 0)).toThrow(RangeError);
  });
});
