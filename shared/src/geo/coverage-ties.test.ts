import { describe, expect, test } from 'vitest';
import { compareFixes } from '../live/newest.ts';
import {
  computeCoverage,
  CoverageTracker,
  localMetricFrame,
  SectorCoverageGrid,
  type CoverageFix,
} from './coverage.ts';
import { lngLat, type LngLat } from './lnglat.ts';

const frame = localMetricFrame([120.29, 30.51]);
/** A point x metres east and y metres north of the square's south-west corner. */
const at = (x: number, y: number): LngLat => {
  const [lng, lat] = frame.toLngLat(x, y);
  return lngLat(lng, lat);
};
/** 1 km × 1 km. */
const square = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [0, 0],
      [1000, 0],
      [1000, 1000],
      [0, 1000],
      [0, 0],
    ].map(([x, y]) => frame.toLngLat(x!, y!)),
  ],
};
const SWEEP = 50;
const sectors = [{ id: 's1', polygon: square, sweepWidthM: SWEEP, accepts: () => true }];
const unit = { unitId: 'car-01', stationId: 'deqing-yuyue' };
const fix = (x: number, y: number, time: number, deviceId: string): CoverageFix & { deviceId: string } => ({
  ...unit,
  lngLat: at(x, y),
  time,
  deviceId,
});

/** The fraction a grid fed these segments gets (a pair of the same point: a point). */
function reference(segments: Array<[LngLat, LngLat]>): number {
  const grid = new SectorCoverageGrid(square, SWEEP);
  for (const [a, b] of segments) grid.addSegment(a, b);
  return grid.fraction;
}

describe('CoverageTracker: two trackers of one unit reporting the same millisecond', () => {
  // Two trackers on the car report 20 s after the start at places 600 m apart; 20 s later the car
  // is north of `dev-b`'s, the one compareFixes calls newer (greater device id at the same time).
  const start = fix(500, 100, 0, 'dev-a');
  const fromA = fix(200, 400, 20_000, 'dev-a');
  const fromB = fix(800, 400, 20_000, 'dev-b');
  const next = fix(800, 700, 40_000, 'dev-a');

  const feed = (fixes: Array<CoverageFix & { deviceId: string }>) => {
    const tracker = new CoverageTracker(sectors);
    for (const f of fixes) tracker.addFix(f, f.lngLat, f.time, f.deviceId);
    return tracker.fraction('s1');
  };

  test('live in either arrival order and a replay in compareFixes order sweep the same cells', () => {
    expect(compareFixes(fromB, fromA)).toBeGreaterThan(0);
    const replay = feed([start, fromA, fromB, next].sort(compareFixes));
    const bFirst = feed([start, fromB, fromA, next]);
    const aFirst = feed([start, fromA, fromB, next]);
    // Both same-time fixes join from the fix before them; the track goes on from dev-b's.
    const expected = reference([
      [start.lngLat, fromA.lngLat],
      [start.lngLat, fromB.lngLat],
      [fromB.lngLat, next.lngLat],
    ]);
    expect(replay).toBe(expected);
    expect(bFirst).toBe(expected);
    expect(aFirst).toBe(expected);
    expect(computeCoverage(sectors, [next, fromA, start, fromB]).get('s1')).toBe(expected);
    expect(computeCoverage(sectors, [fromB, next, start, fromA]).get('s1')).toBe(expected);
  });

  test('the same fix sent twice changes nothing and does not move the chain', () => {
    const tracker = new CoverageTracker(sectors);
    for (const f of [start, fromB]) tracker.addFix(f, f.lngLat, f.time, f.deviceId);
    const before = tracker.fraction('s1');
    expect(tracker.addFix(fromB, fromB.lngLat, fromB.time, fromB.deviceId)).toEqual([]);
    expect(tracker.fraction('s1')).toBe(before);
    tracker.addFix(next, next.lngLat, next.time, next.deviceId);
    expect(tracker.fraction('s1')).toBe(
      reference([
        [start.lngLat, fromB.lngLat],
        [fromB.lngLat, next.lngLat],
      ]),
    );
  });
});
