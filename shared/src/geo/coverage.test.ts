import type { Polygon } from 'geojson';
import { describe, expect, test } from 'vitest';
import {
  computeCoverage,
  CoverageTracker,
  localMetricFrame,
  SectorCoverageGrid,
  type CoverageFix,
  type CoverageSectorDef,
} from './coverage.ts';
import { lngLat, type LngLat } from './lnglat.ts';

/** South-west corner of the metric fixtures (near the tri-county junction). */
const SW = [120.29, 30.51] as const;
const frame = localMetricFrame(SW);
/** A point x metres east and y metres north of SW. */
const at = (x: number, y: number): LngLat => {
  const [lng, lat] = frame.toLngLat(x, y);
  return lngLat(lng, lat);
};
const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const metric = (...rings: Array<Array<[number, number]>>): Polygon => ({
  type: 'Polygon',
  coordinates: rings.map((ring) => ring.map(([x, y]) => frame.toLngLat(x, y))),
});
/** 1 km × 1 km, south-west corner at SW. */
const squareSector = metric(rect(0, 0, 1000, 1000));
/** The same square with a 500 m hole in the middle. */
const sectorWithHole = metric(rect(0, 0, 1000, 1000), rect(250, 250, 750, 750).reverse());
const SWEEP = 50;

/**
 * Lawn-mower passes spaced at the sweep width, north and south in turn, over x ∈ [x0, x1], as 1 Hz
 * fixes of someone walking at 5 m/s (a fix every 5 m).
 */
function lawnMower(x0: number, x1: number, startTime = 0): Array<{ p: LngLat; time: number }> {
  const path: Array<[number, number]> = [];
  let north = true;
  for (let x = x0 + SWEEP / 2; x < x1; x += SWEEP) {
    for (let i = 0; i <= 200; i++) path.push([x, north ? i * 5 : 1000 - i * 5]);
    north = !north;
  }
  return path.map(([x, y], i) => ({ p: at(x, y), time: startTime + i * 1000 }));
}

const unitA = { unitId: 'u-a', stationId: 'deqing-yuyue' };
const unitB = { unitId: 'u-b', stationId: 'linping-yunhe' };
const everyone = () => true;

/**
 * The swept area of a raster is within half a cell diagonal of the exact shape: every point deeper
 * than that inside the shape lies in a counted cell, and no counted cell reaches further out.
 */
function expectSweptArea(grid: SectorCoverageGrid, exactM2: number, perimeterM: number): void {
  const d = grid.cellM / Math.SQRT2;
  const swept = grid.sweptCount * grid.cellM ** 2;
  expect(swept).toBeGreaterThanOrEqual(exactM2 - perimeterM * d);
  expect(swept).toBeLessThanOrEqual(exactM2 + perimeterM * d + Math.PI * d * d);
}

describe('SectorCoverageGrid', () => {
  test('cells are sweepWidth/10 wide (at most /3) when that keeps them under maxCells', () => {
    const grid = new SectorCoverageGrid(squareSector, 100);
    expect(grid.cellM).toBeCloseTo(10, 9);
    expect(grid.cellCount).toBe(100 * 100);
    expect(grid.fraction).toBe(0);
  });

  test('never more than maxCells inside (default 40 000)', () => {
    const fine = new SectorCoverageGrid(squareSector, 3);
    expect(fine.cellCount).toBeLessThanOrEqual(40_000);
    expect(fine.cellCount).toBeGreaterThan(39_000);
    const coarse = new SectorCoverageGrid(squareSector, SWEEP, { maxCells: 1000 });
    expect(coarse.cellCount).toBeLessThanOrEqual(1000);
    expect(coarse.cellCount).toBeGreaterThan(900);
    // The budget wins over sweepWidth/3: about √(1 km² / 1000) = 31.6 m.
    expect(coarse.cellM).toBeGreaterThanOrEqual(Math.sqrt(1000));
    expect(coarse.cellM).toBeLessThan(34);
  });

  test('a wide sweep over a small sector still gets at least ~400 cells', () => {
    expect(new SectorCoverageGrid(squareSector, 1000).cellCount).toBe(400);
  });

  test('lawn-mower passes over the west half sweep 50 % ± 2 %', () => {
    const grid = new SectorCoverageGrid(squareSector, SWEEP);
    const track = lawnMower(0, 500);
    for (let i = 1; i < track.length; i++) grid.addSegment(track[i - 1]!.p, track[i]!.p);
    expect(Math.abs(grid.fraction - 0.5)).toBeLessThanOrEqual(0.02);
  });

  test('a full lawn-mower sweep covers ≥ 98 %', () => {
    const grid = new SectorCoverageGrid(squareSector, SWEEP);
    const track = lawnMower(0, 1000);
    for (let i = 1; i < track.length; i++) grid.addSegment(track[i - 1]!.p, track[i]!.p);
    expect(grid.fraction).toBeGreaterThanOrEqual(0.98);
  });

  test('one pass sweeps a band of the sweep width (5 % of the square), and only once', () => {
    const grid = new SectorCoverageGrid(squareSector, SWEEP);
    expect(grid.addSegment(at(500, 0), at(500, 1000))).toBe(true);
    expectSweptArea(grid, 1000 * SWEEP, 2 * 1000 + 2 * SWEEP);
    expect(Math.abs(grid.fraction - 0.05)).toBeLessThanOrEqual(0.005);
    expect(grid.addSegment(at(500, 100), at(500, 900))).toBe(false); // nothing new
  });

  test('a diagonal pass sweeps its length × the sweep width plus the end caps', () => {
    const grid = new SectorCoverageGrid(squareSector, SWEEP);
    grid.addSegment(at(100, 100), at(900, 900));
    const length = 800 * Math.SQRT2;
    expectSweptArea(grid, length * SWEEP + Math.PI * 25 * 25, 2 * length + 2 * Math.PI * 25);
  });

  test('a point sweeps a disc of the sweep width', () => {
    const grid = new SectorCoverageGrid(squareSector, SWEEP);
    expect(grid.addPoint(at(500, 500))).toBe(true);
    expectSweptArea(grid, Math.PI * 25 * 25, 2 * Math.PI * 25);
  });

  test('a track outside the sector sweeps nothing; one along its edge sweeps half a band', () => {
    const grid = new SectorCoverageGrid(squareSector, SWEEP);
    expect(grid.addSegment(at(-100, 0), at(-100, 1000))).toBe(false);
    expect(grid.fraction).toBe(0);
    expect(grid.addSegment(at(0, 0), at(0, 1000))).toBe(true);
    expectSweptArea(grid, 1000 * (SWEEP / 2), 2 * 1000 + SWEEP);
  });

  test('a hole is not part of the sector: sweeping everything else is ≥ 98 %', () => {
    const solid = new SectorCoverageGrid(squareSector, SWEEP);
    const grid = new SectorCoverageGrid(sectorWithHole, SWEEP);
    expect(grid.cellCount / solid.cellCount).toBeCloseTo(0.75, 2);
    const track = lawnMower(0, 1000);
    for (let i = 1; i < track.length; i++) grid.addSegment(track[i - 1]!.p, track[i]!.p);
    expect(grid.fraction).toBeGreaterThanOrEqual(0.98);
    expect(grid.fraction).toBeLessThanOrEqual(1);
  });
});

/** Reference grid fed the given segments (a pair of the same point: a point). */
function reference(polygon: Polygon, segments: Array<[LngLat, LngLat]>): number {
  const grid = new SectorCoverageGrid(polygon, SWEEP);
  for (const [a, b] of segments) grid.addSegment(a, b);
  return grid.fraction;
}

describe('CoverageTracker: the track rules', () => {
  const oneSector = (accepts: CoverageSectorDef['accepts'] = everyone): CoverageSectorDef[] => [
    { id: 's1', polygon: squareSector, sweepWidthM: SWEEP, accepts },
  ];

  test('consecutive fixes are joined into segments; the first fix is a point', () => {
    const tracker = new CoverageTracker(oneSector());
    expect(tracker.addFix(unitA, at(25, 0), 0, 'd1')).toEqual(['s1']);
    expect(tracker.fraction('s1')).toBe(reference(squareSector, [[at(25, 0), at(25, 0)]]));
    expect(tracker.addFix(unitA, at(25, 500), 20_000, 'd1')).toEqual(['s1']); // 25 m/s
    expect(tracker.fraction('s1')).toBe(reference(squareSector, [[at(25, 0), at(25, 500)]]));
    expect(tracker.addFix(unitA, at(25, 500), 21_000, 'd1')).toEqual([]); // standing still
  });

  test('a gap longer than maxGapMs starts a new track', () => {
    const tracker = new CoverageTracker(oneSector());
    tracker.addFix(unitA, at(25, 0), 0, 'd1');
    tracker.addFix(unitA, at(25, 500), 121_000, 'd1'); // 121 s later, 4 m/s
    expect(tracker.fraction('s1')).toBe(
      reference(squareSector, [
        [at(25, 0), at(25, 0)],
        [at(25, 500), at(25, 500)],
      ]),
    );
    const patient = new CoverageTracker(oneSector(), { maxGapMs: 300_000 });
    patient.addFix(unitA, at(25, 0), 0, 'd1');
    patient.addFix(unitA, at(25, 500), 121_000, 'd1');
    expect(patient.fraction('s1')).toBe(reference(squareSector, [[at(25, 0), at(25, 500)]]));
  });

  test('a jump faster than maxSpeedMps starts a new track', () => {
    const tracker = new CoverageTracker(oneSector());
    tracker.addFix(unitA, at(25, 0), 0, 'd1');
    tracker.addFix(unitA, at(25, 1000), 10_000, 'd1'); // 100 m/s
    tracker.addFix(unitA, at(75, 1000), 11_000, 'd1'); // 50 m/s from the new start: joined
    expect(tracker.fraction('s1')).toBe(
      reference(squareSector, [
        [at(25, 0), at(25, 0)],
        [at(25, 1000), at(75, 1000)],
      ]),
    );
  });

  test('an older fix than the previous one is swept as a point but does not move the chain', () => {
    const tracker = new CoverageTracker(oneSector());
    tracker.addFix(unitA, at(25, 0), 0, 'd1');
    tracker.addFix(unitA, at(25, 500), 10_000, 'd1');
    expect(tracker.addFix(unitA, at(975, 500), 5_000, 'd1')).toEqual(['s1']); // out of order
    tracker.addFix(unitA, at(25, 1000), 20_000, 'd1'); // joins from (25, 500), not from (975, 500)
    expect(tracker.fraction('s1')).toBe(
      reference(squareSector, [
        [at(25, 0), at(25, 500)],
        [at(975, 500), at(975, 500)],
        [at(25, 500), at(25, 1000)],
      ]),
    );
  });

  test('units have separate chains', () => {
    const tracker = new CoverageTracker(oneSector());
    tracker.addFix(unitA, at(25, 0), 0, 'd1');
    tracker.addFix(unitB, at(975, 0), 1_000, 'd1');
    tracker.addFix(unitA, at(25, 500), 10_000, 'd1');
    tracker.addFix(unitB, at(975, 500), 11_000, 'd1');
    expect(tracker.fraction('s1')).toBe(
      reference(squareSector, [
        [at(25, 0), at(25, 500)],
        [at(975, 0), at(975, 500)],
      ]),
    );
  });

  test('only accepted units count, and a segment only when both its fixes are accepted', () => {
    const assignedAt = 5_000;
    const tracker = new CoverageTracker(oneSector((u, t) => u.unitId === 'u-a' && t >= assignedAt));
    expect(tracker.addFix(unitB, at(500, 0), 0, 'd1')).toEqual([]);
    expect(tracker.addFix(unitB, at(500, 200), 10_000, 'd1')).toEqual([]);
    expect(tracker.addFix(unitA, at(25, 0), 0, 'd1')).toEqual([]); // before the assignment
    tracker.addFix(unitA, at(25, 250), 10_000, 'd1'); // from a fix before the assignment: a point
    tracker.addFix(unitA, at(25, 500), 20_000, 'd1');
    expect(tracker.fraction('s1')).toBe(reference(squareSector, [[at(25, 250), at(25, 500)]]));
  });

  test('reports only the sectors whose fraction changed, found through the index', () => {
    const east = metric(rect(5000, 0, 6000, 1000));
    const tracker = new CoverageTracker([
      { id: 'west', polygon: squareSector, sweepWidthM: SWEEP, accepts: everyone },
      { id: 'east', polygon: east, sweepWidthM: SWEEP, accepts: everyone },
      { id: 'overlap', polygon: metric(rect(900, 0, 1900, 1000)), sweepWidthM: SWEEP, accepts: everyone },
    ]);
    expect(tracker.addFix(unitA, at(500, 500), 0, 'd1')).toEqual(['west']);
    expect(tracker.addFix(unitA, at(950, 500), 10_000, 'd1')).toEqual(['west', 'overlap']);
    expect(tracker.addFix(unitB, at(5500, 500), 0, 'd1')).toEqual(['east']);
    expect(tracker.fractions()).toEqual(
      new Map([
        ['west', tracker.fraction('west')],
        ['east', tracker.fraction('east')],
        ['overlap', tracker.fraction('overlap')],
      ]),
    );
    expect([...tracker.fractions().values()].every((f) => f > 0 && f < 0.1)).toBe(true);
  });

  test('unknown and repeated sector ids are refused', () => {
    expect(() => new CoverageTracker(oneSector()).fraction('nope')).toThrow(RangeError);
    expect(() => new CoverageTracker([...oneSector(), ...oneSector()])).toThrow(RangeError);
  });
});

/** mulberry32: the same random walk on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CoverageTracker: incremental = full recomputation', () => {
  /** 3 × 3 sectors of 500 m, alternately assigned to the two stations, assigned at staggered times. */
  const sectors: CoverageSectorDef[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      const stationId = (r + c) % 2 === 0 ? 'deqing-yuyue' : 'linping-yunhe';
      const assignedAt = (r * 3 + c) * 30_000;
      sectors.push({
        id: `s-${r}-${c}`,
        polygon: metric(rect(c * 500, r * 500, c * 500 + 500, r * 500 + 500)),
        sweepWidthM: 20 + 10 * c,
        accepts: (u, t) => u.stationId === stationId && t >= assignedAt,
      });
    }
  }
  /** Six units walking at random for 20 minutes at 1 Hz, with a few gaps and jumps. */
  const random = rng(20240501);
  const fixes: CoverageFix[] = [];
  for (let u = 0; u < 6; u++) {
    let x = 200 + random() * 1100;
    let y = 200 + random() * 1100;
    let heading = random() * 2 * Math.PI;
    for (let s = 0; s < 1200; s++) {
      heading += (random() - 0.5) * 0.6;
      const speed = random() < 0.01 ? 120 : 1 + random() * 5; // now and then an impossible jump
      x = Math.min(1600, Math.max(-100, x + Math.cos(heading) * speed));
      y = Math.min(1600, Math.max(-100, y + Math.sin(heading) * speed));
      if (random() < 0.005) continue; // now and then a lost fix
      const time = s * 1000 + (random() < 0.003 ? 200_000 : 0) + u * 137;
      fixes.push({ unitId: `u${u}`, stationId: u % 2 ? 'linping-yunhe' : 'deqing-yuyue', lngLat: at(x, y), time });
    }
  }
  const inTimeOrder = [...fixes].sort((a, b) => a.time - b.time);

  test('fed fix by fix, the tracker reports exactly the sectors that changed and ends equal to a rebuild', () => {
    const tracker = new CoverageTracker(sectors);
    let before = tracker.fractions();
    for (const f of inTimeOrder) {
      const changed = tracker.addFix(f, f.lngLat, f.time, f.deviceId ?? 'd1');
      const after = tracker.fractions();
      expect(changed).toEqual(sectors.map((s) => s.id).filter((id) => after.get(id) !== before.get(id)));
      before = after;
    }
    const rebuilt = computeCoverage(sectors, [...fixes].reverse());
    expect(tracker.fractions()).toEqual(rebuilt);
    // The walk really exercised the sectors.
    expect([...rebuilt.values()].filter((f) => f > 0.01).length).toBeGreaterThanOrEqual(5);
  });
});
