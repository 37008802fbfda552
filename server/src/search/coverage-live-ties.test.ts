import { describe, expect, it } from 'vitest';
import { lngLat, type CoverageFix } from '@jointmap/shared';
import {
  coverageHarness,
  deqingSector,
  DEQING,
  expectedCoverage,
  put,
  squareSearch,
  T,
} from './coverage-harness.test-support.ts';

const OP = 'op-cov-ties';
const T0 = T - 400_000;

/** A fix of `unit-a` from tracker `deviceId`, `i` steps (0.0003°, 10 s) east along the walk. */
const fix = (deviceId: string, i: number, lat: number): CoverageFix => ({
  ...{ unitId: 'unit-a', stationId: DEQING, deviceId },
  ...{ lngLat: lngLat(120.3002 + i * 0.0003, lat), time: T0 + i * 10_000 },
});

/**
 * `unit-a` walking east across the square on `dev-a`; at the third step its second tracker
 * `dev-b` reports the same second about 120 m further north. The track goes on (fourth step) from
 * one of the two: `dev-b`'s by `compareFixes` (the greater device id), the fix the map shows.
 */
const before = [fix('dev-a', 0, 30.5203), fix('dev-a', 1, 30.5203)];
const onLine = fix('dev-a', 2, 30.5203);
const north = fix('dev-b', 2, 30.5214);
const after = [3, 4, 5].map((i) => fix('dev-a', i, 30.5203));

/** A harness with `dev-b` registered to `unit-a` too and sector A1 of the search over the square. */
async function setup() {
  const h = await coverageHarness(OP, { now: T0 - 50_000 });
  await h.storage.upsertDevice({ id: 'dev-b', unitId: 'unit-a', stationId: DEQING, label: 'b', createdAt: 0 });
  await h.command({ type: 'batch', changes: [put('searches', squareSearch()), put('sectors', deqingSector())] });
  return h;
}

describe('CoverageService: two trackers of one unit reporting the same second', () => {
  it('goes on from the greater device id’s fix live, whichever of the two arrives first', async () => {
    const all = [...before, onLine, north, ...after];
    const expected = expectedCoverage(all);
    // Which fix the track goes on from changes the swept cells: with the ids swapped (dev-a's fix
    // the one to the north), the result differs.
    const swapped = [...before, { ...onLine, deviceId: 'dev-b' }, { ...north, deviceId: 'dev-a' }, ...after];
    expect(expected).toBeGreaterThan(0);
    expect(expectedCoverage(swapped)).not.toBe(expected);

    const lineFirst = await setup();
    await lineFirst.fixes([...before, onLine, north, ...after]);
    const northFirst = await setup();
    await northFirst.fixes([...before, north, onLine, ...after]);

    const [a, b] = [await lineFirst.fraction(), await northFirst.fraction()];
    expect(a).toBe(b);
    expect(a).toBe(expected);
    expect(lineFirst.errors).toEqual([]);
    expect(northFirst.errors).toEqual([]);
  });
});
