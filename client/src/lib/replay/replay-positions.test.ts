import { describe, expect, it } from 'vitest';
import { compareFixes, type UnitPosition } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { LiveChange } from '../live/position-board.svelte.ts';
import { ReplayPositions } from './replay-positions.svelte.ts';

const T = 1_780_000_000_000;
const pos = (unitId: string, time: number, lng = 120.3): UnitPosition =>
  fixtures.unitPosition(unitId, {
    stationId: 'deqing-yuyue',
    deviceId: `dev-${unitId}`,
    lngLat: [lng, 30.5],
    time,
    receivedAt: time,
  });
const thresholds = { staleAfterMs: 60_000, lostAfterMs: 300_000 };

describe('ReplayPositions', () => {
  it('grades freshness against the moment, redraws only units whose fix or grade changed, and everything after a jump back', () => {
    const live = new ReplayPositions('op');
    const seen: LiveChange[] = [];
    live.onChange((c) => seen.push(c));
    live.set(T, [pos('a', T - 10_000), pos('b', T - 120_000)], thresholds);
    expect(seen.at(-1)).toBe('all');
    expect([live.freshnessOf('deqing-yuyue/a'), live.freshnessOf('deqing-yuyue/b')]).toEqual(['live', 'stale']);
    expect(live.now()).toBe(T);

    // 20 s on: `a` has a new fix, `b` the same one and the same grade.
    live.set(T + 20_000, [pos('a', T + 15_000, 120.31), pos('b', T - 120_000)], thresholds);
    expect(seen.at(-1)).toEqual(new Set(['deqing-yuyue/a']));
    expect(live.trailOf('deqing-yuyue/a').length).toBe(2);
    // 3 min on: `b` turns lost without a new fix; `a` is gone from the answer.
    live.set(T + 200_000, [pos('b', T - 120_000)], thresholds);
    expect(seen.at(-1)).toEqual(new Set(['deqing-yuyue/a', 'deqing-yuyue/b']));
    expect(live.freshnessOf('deqing-yuyue/b')).toBe('lost');
    expect(live.positionOf('deqing-yuyue/a')).toBeUndefined();

    // Back in time: the trails start again and every unit is redrawn.
    live.set(T, [pos('a', T - 10_000)], thresholds);
    expect(seen.at(-1)).toBe('all');
    expect(live.trailOf('deqing-yuyue/a').length).toBe(1);
  });

  it('takes the newest fix per unit by compareFixes whatever the answer’s order; the trail ends at it', () => {
    const fromA = { ...pos('a', T - 5_000, 120.31), deviceId: 'dev-1' };
    const fromB = { ...pos('a', T - 5_000, 120.32), deviceId: 'dev-2' };
    expect(compareFixes(fromB, fromA)).toBeGreaterThan(0);
    for (const order of [
      [fromA, fromB],
      [fromB, fromA],
    ]) {
      const live = new ReplayPositions('op');
      live.set(T - 10_000, [pos('a', T - 15_000)], thresholds);
      live.set(T, order, thresholds);
      expect(live.positionOf('deqing-yuyue/a')).toBe(fromB);
      expect(live.trailOf('deqing-yuyue/a').at(-1)).toEqual([120.32, 30.5, T - 5_000, 'dev-2']);
    }
  });
});
