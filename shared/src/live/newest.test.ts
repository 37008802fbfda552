import { describe, expect, it } from 'vitest';
import { fixtures } from '../fixtures/records.ts';
import type { UnitPosition } from '../protocol/live.ts';
import {
  compareFixes,
  isNewerFix,
  mergeNewest,
  newestFix,
  offerNewest,
  parseUnitKey,
  unitKey,
  unitKeyOf,
} from './newest.ts';

const pos = (stationId: string, unitId: string, time: number, deviceId = 'd1', receivedAt = time): UnitPosition =>
  fixtures.unitPosition(unitId, { stationId, time, deviceId, receivedAt });

/** Every order of a small list (for "the result does not depend on arrival order"). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('newest fix per unit', () => {
  it('keys a unit by station and id, and parses the key back', () => {
    expect(unitKey('deqing-yuyue', 'car-01')).toBe('deqing-yuyue/car-01');
    expect(unitKeyOf(pos('linping-yunhe', 'car-01', 1))).toBe('linping-yunhe/car-01');
    expect(unitKey('a', 'car-01')).not.toBe(unitKey('b', 'car-01'));
    expect(parseUnitKey('deqing-yuyue/car-01')).toEqual({ stationId: 'deqing-yuyue', unitId: 'car-01' });
    for (const bad of ['car-01', '/car-01', 'a/', 'a/b/c', '']) expect(parseUnitKey(bad)).toBeNull();
  });

  it('orders by time, then by device id; equal time and device is the same fix', () => {
    expect(compareFixes({ time: 2, deviceId: 'a' }, { time: 1, deviceId: 'z' })).toBeGreaterThan(0);
    expect(compareFixes({ time: 1, deviceId: 'z' }, { time: 2, deviceId: 'a' })).toBeLessThan(0);
    expect(compareFixes({ time: 5, deviceId: 'b' }, { time: 5, deviceId: 'a' })).toBeGreaterThan(0);
    expect(compareFixes({ time: 5, deviceId: 'a' }, { time: 5, deviceId: 'b' })).toBeLessThan(0);
    expect(compareFixes({ time: 5, deviceId: 'a' }, { time: 5, deviceId: 'a' })).toBe(0);
    // Byte order, as SQLite's BINARY collation compares the same ASCII ids.
    expect(compareFixes({ time: 5, deviceId: 'Z' }, { time: 5, deviceId: 'a' })).toBeLessThan(0);
    expect(isNewerFix({ time: 5, deviceId: 'a' }, undefined)).toBe(true);
    expect(isNewerFix({ time: 5, deviceId: 'a' }, { time: 5, deviceId: 'a' })).toBe(false);
  });

  it('picks the same newest fix whatever order the fixes arrive in', () => {
    const fixes = [
      pos('s', 'u', 10, 'phone', 100),
      pos('s', 'u', 10, 'box', 50),
      pos('s', 'u', 9, 'zz', 200),
      // A re-sent copy of the phone's fix, received later: the same fix, it changes nothing.
      pos('s', 'u', 10, 'phone', 300),
    ];
    for (const order of permutations(fixes)) {
      const newest = newestFix(order)!;
      expect([newest.time, newest.deviceId]).toEqual([10, 'phone']);
      const latest = new Map<string, UnitPosition>();
      mergeNewest(latest, order);
      expect([latest.get('s/u')!.time, latest.get('s/u')!.deviceId]).toEqual([10, 'phone']);
    }
    expect(newestFix([])).toBeUndefined();
  });

  it('never moves a unit backwards, and keeps units of the same id in different stations apart', () => {
    const latest = new Map<string, UnitPosition>();
    expect(mergeNewest(latest, [pos('a', 'car-01', 10), pos('b', 'car-01', 5)])).toEqual(['a/car-01', 'b/car-01']);
    expect(mergeNewest(latest, [pos('a', 'car-01', 9), pos('b', 'car-01', 6)])).toEqual(['b/car-01']);
    expect(latest.get('a/car-01')!.time).toBe(10);
    expect(latest.get('b/car-01')!.time).toBe(6);
    // The same fix again: no change, not reported.
    expect(mergeNewest(latest, [pos('a', 'car-01', 10, 'd1', 99)])).toEqual([]);
    expect(latest.get('a/car-01')!.receivedAt).toBe(10);
    // Several fixes of one unit in one batch: reported once.
    expect(mergeNewest(latest, [pos('a', 'car-01', 11), pos('a', 'car-01', 12)])).toEqual(['a/car-01']);
    expect(offerNewest(latest, pos('b', 'car-01', 6, 'd2'))).toBe(true);
    expect(latest.get('b/car-01')!.deviceId).toBe('d2');
  });
});
