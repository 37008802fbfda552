import { describe, expect, it } from 'vitest';
import { compareFixes, CoverageTracker, lngLat, type CoverageSectorDef } from '@jointmap/shared';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { DEQING, SQUARE } from './coverage-harness.test-support.ts';
import { storedSweep, type SweepSources } from './stored-sweep.ts';
import { MERGE_PAGE, mergedFixes } from './track-history.ts';
import { mergedTracks } from './track-history.test-support.ts';

const T = 1_780_000_000_000;
const def: CoverageSectorDef = { id: 'A1', polygon: SQUARE, sweepWidthM: 50, accepts: () => true };
const interest = { unitIds: new Set(['unit-a']), stationIds: new Set<string>() };

const fix = (lng: number, lat: number, time: number, deviceId: string): PositionFix =>
  storedFix({ unitId: 'unit-a', stationId: DEQING, deviceId, time, lng, lat });

// unit-a carries two trackers that report the same millisecond from places ~100 m apart (both
// reachable from the fix before); its next fix is north of dev-b's, the one compareFixes calls newer.
const start = fix(120.301, 30.5202, T, 'dev-a');
const fromA = fix(120.3003, 30.5209, T + 10_000, 'dev-a');
const fromB = fix(120.3013, 30.5209, T + 10_000, 'dev-b');
const next = fix(120.3013, 30.5216, T + 20_000, 'dev-a');

/** A track store holding `fixes`, read as the real ones answer (time, then device id). */
const sources = (fixes: PositionFix[]): SweepSources => ({
  storage: {
    track: async (_s, _u, from, to, limit) =>
      fixes
        .filter((f) => f.time >= from && f.time <= to)
        .sort(compareFixes)
        .slice(0, limit),
    listDevices: async () => [],
  },
  live: { snapshot: () => [], stationsWithUnit: () => [DEQING] },
});

describe('storedSweep: two fixes of one unit at the same time', () => {
  it('a rebuild from the store, fixes added as they arrived (either order) and a replay agree', async () => {
    expect(compareFixes(fromB, fromA)).toBeGreaterThan(0);
    const all = [start, fromA, fromB, next];
    const rebuilt = await storedSweep(sources(all), [def], interest, 0, T + 60_000);

    const arrived = async (order: PositionFix[]) => {
      const sweep = await storedSweep(sources([start]), [def], interest, 0, T + 60_000);
      for (const f of order) sweep.add(f, f.lng, f.lat, f.time, f.receivedAt);
      return sweep.tracker.fraction('A1');
    };

    const replay = new CoverageTracker([def]);
    for await (const batch of mergedFixes(
      sources(all).storage,
      [{ unitId: 'unit-a', stationId: DEQING }],
      0,
      T + 60_000,
    ))
      for (const f of batch) replay.addFix(f, lngLat(f.lng, f.lat), f.time, f.deviceId);

    const fraction = rebuilt.tracker.fraction('A1');
    expect(fraction).toBeGreaterThan(0);
    expect(await arrived([fromB, fromA, next])).toBe(fraction);
    expect(await arrived([fromA, fromB, next])).toBe(fraction);
    expect(replay.fraction('A1')).toBe(fraction);
  });
});

describe('storedSweep: long tracks', () => {
  it('reads each unit a page at a time, never a whole track, and feeds the tracker what the whole tracks give', async () => {
    // Two units' fixes every 2 s for 3 h, criss-crossing the sector: several pages each.
    const fixes: PositionFix[] = [];
    for (let i = 0; i < 5_400; i++) {
      const lng = 120.3 + (i % 50) * 0.00003;
      for (const unitId of ['unit-a', 'unit-b'])
        fixes.push(
          storedFix({
            unitId,
            stationId: DEQING,
            deviceId: `dev-${unitId}`,
            time: T + i * 2_000,
            lng,
            lat: 30.5202 + (unitId === 'unit-b' ? 0.0005 : 0),
          }),
        );
    }
    const limits: number[] = [];
    const counted: SweepSources = {
      storage: {
        track: async (_s, u, from, to, limit) => {
          limits.push(limit);
          return fixes
            .filter((f) => f.unitId === u && f.time >= from && f.time <= to)
            .sort(compareFixes)
            .slice(0, limit);
        },
        listDevices: async () => [],
      },
      live: { snapshot: () => [], stationsWithUnit: () => [DEQING] },
    };
    const both = { unitIds: new Set(['unit-a', 'unit-b']), stationIds: new Set<string>() };
    const sweep = await storedSweep(counted, [def], both, 0, T + 4 * 3_600_000);
    expect(limits.length).toBeGreaterThan(4);
    expect(Math.max(...limits)).toBeLessThanOrEqual(MERGE_PAGE);

    const whole = new CoverageTracker([def]);
    const units = ['unit-a', 'unit-b'].map((unitId) => ({ unitId, stationId: DEQING }));
    for (const f of await mergedTracks(counted.storage, units, 0, T + 4 * 3_600_000))
      whole.addFix(f, lngLat(f.lng, f.lat), f.time, f.deviceId);
    expect(sweep.tracker.fraction('A1')).toBeGreaterThan(0);
    expect(sweep.tracker.fraction('A1')).toBe(whole.fraction('A1'));
  });
});
