import { describe, expect, test } from 'vitest';
import { DEFAULT_ETA, etaSeconds, haversineM, rankUnitsByEta, type RankInput } from './eta.ts';
import { lngLat } from './lnglat.ts';
import { countWithinRings, RESPONSE_RING_MINUTES, responseRings } from './rings.ts';

const LAT_001_M = 1111.9508;
const NOW = Date.UTC(2024, 4, 1, 8, 0, 0);
const taskAtJunction = lngLat(120.2954, 30.5222);

describe('responseRings', () => {
  test('1/3/5/8 minutes at 40 km/h with detour 1.4: radius = speed × t ÷ detour', () => {
    const rings = responseRings(taskAtJunction, 40, 1.4);
    expect(RESPONSE_RING_MINUTES).toEqual([1, 3, 5, 8]);
    expect(rings.map((r) => r.minutes)).toEqual([1, 3, 5, 8]);
    const expected = [476.19, 1428.57, 2380.95, 3809.52];
    rings.forEach((r, i) => expect(r.radiusM).toBeCloseTo(expected[i]!, 2));
  });

  test('each ring is a closed circle of its radius around the centre', () => {
    for (const ring of responseRings(taskAtJunction, 40, 1.4, [2])) {
      const outer = ring.polygon.coordinates[0]!;
      expect(outer.length).toBe(65);
      expect(outer[0]).toEqual(outer[64]);
      for (const p of outer) {
        expect(haversineM(taskAtJunction, lngLat(p[0]!, p[1]!))).toBeCloseTo(ring.radiusM, -1);
      }
    }
  });

  test('a car exactly on a ring has an ETA of that ring’s minutes', () => {
    for (const ring of responseRings(taskAtJunction, DEFAULT_ETA.speedKmh.car, DEFAULT_ETA.detourFactor)) {
      expect(etaSeconds(ring.radiusM, 'car')).toBeCloseTo(ring.minutes * 60, 6);
    }
  });

  test('refuses a speed, detour or minute that is not positive', () => {
    expect(() => responseRings(taskAtJunction, 0, 1.4)).toThrow(RangeError);
    expect(() => responseRings(taskAtJunction, 40, 0)).toThrow(RangeError);
    expect(() => responseRings(taskAtJunction, 40, 1.4, [1, -3])).toThrow(RangeError);
  });
});

describe('countWithinRings', () => {
  const u = (unitId: string, kind: RankInput['kind'], dLat: number | null, ageMs: number): RankInput => ({
    unitId,
    stationId: 'linping-yunhe',
    kind,
    status: 'available',
    position: dLat === null ? null : lngLat(taskAtJunction[0], taskAtJunction[1] + dLat),
    fixTime: NOW - ageMs,
  });
  const ranked = rankUnitsByEta(
    [
      u('car-1112m', 'car', 0.01, 1_000), // 140.1 s
      u('car-3336m', 'car', -0.03, 1_000), // 420.3 s
      u('foot-111m', 'foot', 0.001, 1_000), // 112.1 s
      u('moto-111m-stale', 'motorbike', 0.001, 120_000), // 16.0 s, stale fix still counts
      u('boat-111m-lost', 'boat', 0.001, 600_000), // lost: never counts
      u('dog-none', 'dog', null, 1_000),
      u('drone-5560m', 'drone', 0.05, 1_000), // 560.4 s: beyond 8 minutes
    ],
    taskAtJunction,
    NOW,
  );

  test('counts live and stale units by their own ETA, cumulatively, in rank order', () => {
    expect(countWithinRings(ranked)).toEqual([
      { minutes: 1, count: 1, unitIds: ['moto-111m-stale'] },
      { minutes: 3, count: 3, unitIds: ['foot-111m', 'car-1112m', 'moto-111m-stale'] },
      { minutes: 5, count: 3, unitIds: ['foot-111m', 'car-1112m', 'moto-111m-stale'] },
      { minutes: 8, count: 4, unitIds: ['foot-111m', 'car-1112m', 'car-3336m', 'moto-111m-stale'] },
    ]);
  });

  test('custom minutes', () => {
    expect(countWithinRings(ranked, [2, 10])).toEqual([
      { minutes: 2, count: 2, unitIds: ['foot-111m', 'moto-111m-stale'] },
      {
        minutes: 10,
        count: 5,
        unitIds: ['foot-111m', 'car-1112m', 'car-3336m', 'drone-5560m', 'moto-111m-stale'],
      },
    ]);
  });

  test('the hand-computed ETAs behind those counts', () => {
    const eta = new Map(ranked.map((r) => [r.unitId, r.etaSeconds]));
    expect(eta.get('car-3336m')).toBeCloseTo((3 * LAT_001_M * 1.4) / (40 / 3.6), 2);
    expect(eta.get('moto-111m-stale')).toBeCloseTo((0.1 * LAT_001_M * 1.4) / (35 / 3.6), 2);
  });
});
