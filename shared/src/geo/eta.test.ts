import { describe, expect, test } from 'vitest';
import { DEFAULT_ETA, etaSeconds, haversineM, parseSpeeds, rankUnitsByEta, type RankInput } from './eta.ts';
import { lngLat } from './lnglat.ts';

/** 0.01° of latitude in metres on Turf's sphere (R = 6 371 008.8 m). */
const LAT_001_M = 1111.9508;
const NOW = Date.UTC(2024, 4, 1, 8, 0, 0);
const target = lngLat(120.3, 30.5);

const unit = (
  unitId: string,
  kind: RankInput['kind'],
  dLat: number | null,
  ageMs: number | null,
  status: RankInput['status'] = 'available',
): RankInput => ({
  unitId,
  stationId: 'deqing-yuyue',
  kind,
  status,
  position: dLat === null ? null : lngLat(120.3, 30.5 + dLat),
  fixTime: ageMs === null ? null : NOW - ageMs,
});

/** Units due north/south of the target at known offsets, with fixes of known age. */
const patrolAroundTarget: RankInput[] = [
  unit('dog-none', 'dog', null, null),
  unit('boat-lost', 'boat', 0.001, 10 * 60_000),
  unit('moto-stale', 'motorbike', 0.001, 2 * 60_000),
  unit('drone-far', 'drone', 0.05, 5_000, 'busy'),
  unit('car-b', 'car', 0.01, 1_000),
  unit('car-a', 'car', -0.01, 1_000),
  unit('foot-near', 'foot', 0.001, 10_000),
];

describe('etaSeconds', () => {
  test('is distance × detour ÷ speed by kind', () => {
    expect(etaSeconds(1000, 'car')).toBeCloseTo((1000 * 1.4) / (40 / 3.6), 9); // 126 s
    expect(etaSeconds(1000, 'foot')).toBeCloseTo(1008, 9);
    expect(etaSeconds(500, 'boat', { detourFactor: 1, speedKmh: { ...DEFAULT_ETA.speedKmh, boat: 18 } })).toBe(100);
  });
});

describe('haversineM', () => {
  test('0.01° of latitude is 1111.95 m', () => {
    expect(haversineM(lngLat(120.3, 30.5), lngLat(120.3, 30.51))).toBeCloseTo(LAT_001_M, 3);
  });
});

describe('rankUnitsByEta', () => {
  const ranked = rankUnitsByEta(patrolAroundTarget, target, NOW);

  test('live units first by ETA (ties by unit id), then stale, then lost and those without a fix', () => {
    expect(ranked.map((u) => [u.rank, u.unitId, u.freshness])).toEqual([
      [1, 'foot-near', 'live'], // 111.2 m on foot: 112.1 s
      [2, 'car-a', 'live'], // 1112 m by car: 140.1 s
      [3, 'car-b', 'live'], // same ETA, later id
      [4, 'drone-far', 'live'], // 5560 m by drone: 560.4 s
      [5, 'moto-stale', 'stale'], // 16 s away but its fix is 2 minutes old
      [6, 'boat-lost', 'lost'],
      [7, 'dog-none', 'lost'], // no position: null ETA, last
    ]);
  });

  test('distances and ETAs are the hand-computed ones; the input fields pass through', () => {
    const byId = new Map(ranked.map((u) => [u.unitId, u]));
    const expected: Record<string, [number, number] | [null, null]> = {
      'foot-near': [LAT_001_M / 10, ((LAT_001_M / 10) * 1.4) / (5 / 3.6)],
      'car-a': [LAT_001_M, (LAT_001_M * 1.4) / (40 / 3.6)],
      'car-b': [LAT_001_M, (LAT_001_M * 1.4) / (40 / 3.6)],
      'drone-far': [LAT_001_M * 5, (LAT_001_M * 5 * 1.4) / (50 / 3.6)],
      'moto-stale': [LAT_001_M / 10, ((LAT_001_M / 10) * 1.4) / (35 / 3.6)],
      'boat-lost': [LAT_001_M / 10, ((LAT_001_M / 10) * 1.4) / (15 / 3.6)],
      'dog-none': [null, null],
    };
    for (const input of patrolAroundTarget) {
      const u = byId.get(input.unitId)!;
      const [d, eta] = expected[input.unitId]!;
      expect({ ...u, distanceM: 0, etaSeconds: 0, rank: 0, freshness: 'live' }).toEqual({
        ...input,
        distanceM: 0,
        etaSeconds: 0,
        rank: 0,
        freshness: 'live',
      });
      if (d === null) {
        expect([u.distanceM, u.etaSeconds]).toEqual([null, null]);
      } else {
        expect(u.distanceM).toBeCloseTo(d, 2);
        expect(u.etaSeconds).toBeCloseTo(eta!, 2);
      }
    }
  });

  test('a stale unit never outranks a live one, however near', () => {
    const ranked2 = rankUnitsByEta(
      [unit('stale-here', 'car', 0, 90_000), unit('live-far', 'foot', 0.1, 0)],
      target,
      NOW,
    );
    expect(ranked2.map((u) => u.unitId)).toEqual(['live-far', 'stale-here']);
  });

  test('uses the given speeds and freshness thresholds', () => {
    const fastFoot = { detourFactor: 1.4, speedKmh: { ...DEFAULT_ETA.speedKmh, foot: 400 } };
    expect(
      rankUnitsByEta(patrolAroundTarget, target, NOW, fastFoot)
        .slice(0, 2)
        .map((u) => u.unitId),
    ).toEqual(['foot-near', 'car-a']);
    // With a 1 s stale threshold only the fixes younger than that (none) stay live; lost after 1 h.
    const strict = { staleAfterMs: 1_000, lostAfterMs: 3_600_000 };
    expect(rankUnitsByEta(patrolAroundTarget, target, NOW, DEFAULT_ETA, strict).map((u) => u.unitId)).toEqual([
      'moto-stale', // 16 s
      'boat-lost', // 37.4 s, stale now
      'foot-near',
      'car-a',
      'car-b',
      'drone-far',
      'dog-none',
    ]);
  });

  test('nothing to rank gives an empty list', () => {
    expect(rankUnitsByEta([], target, NOW)).toEqual([]);
  });
});

describe('parseSpeeds', () => {
  test('overrides the named kinds over the defaults', () => {
    expect(parseSpeeds('car=50, boat = 20.5')).toEqual({ ...DEFAULT_ETA.speedKmh, car: 50, boat: 20.5 });
    expect(parseSpeeds('')).toEqual(DEFAULT_ETA.speedKmh);
    expect(parseSpeeds('foot=4', { ...DEFAULT_ETA.speedKmh, dog: 8 })).toEqual({
      ...DEFAULT_ETA.speedKmh,
      dog: 8,
      foot: 4,
    });
  });
  test.each(['car=0', 'car=-5', 'car=fast', 'car', 'tank=30', 'car=40,car=50', 'car=40;foot=5', '=40'])(
    'refuses %j',
    (text) => {
      expect(() => parseSpeeds(text)).toThrow(RangeError);
    },
  );
  test('does not change the defaults', () => {
    parseSpeeds('car=99');
    expect(DEFAULT_ETA.speedKmh.car).toBe(40);
  });
});
