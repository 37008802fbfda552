import { describe, expect, it } from 'vitest';
import type { UnitKey } from '@jointmap/shared';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { mergedFixes, unitPages } from './track-history.ts';
import { mergedTracks } from './track-history.test-support.ts';

const fix = (unit: UnitKey, time: number, deviceId: string, receivedAt = time): PositionFix =>
  storedFix({ ...unit, deviceId, time, lng: 120 + time / 1e6, lat: 30, receivedAt });

/**
 * The track store's contract (`from <= time <= to`, time then device id, at most `limit`), counting
 * reads and the turns of the event loop seen before each (a `setImmediate` loop counts them).
 */
function store(all: readonly PositionFix[]) {
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  const reads: Array<{ limit: number; turns: number }> = [];
  return {
    reads,
    stop: () => (counting = false),
    track: async (stationId: string, unitId: string, from: number, to: number, limit: number) => {
      reads.push({ limit, turns });
      return all
        .filter((f) => f.stationId === stationId && f.unitId === unitId && f.time >= from && f.time <= to)
        .sort((a, b) => a.time - b.time || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
        .slice(0, limit);
    },
  };
}

const key = (f: PositionFix) => `${f.stationId}/${f.unitId}@${f.time}:${f.deviceId}`;
const flat = async (it: AsyncIterable<PositionFix[]>) => {
  const out: PositionFix[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
};

const car: UnitKey = { stationId: 'deqing', unitId: 'car' };
const van: UnitKey = { stationId: 'deqing', unitId: 'van' };
const boat: UnitKey = { stationId: 'tongxiang', unitId: 'car' };

describe('the tracks of several units, merged', () => {
  // Three units; ties of one millisecond within a unit (two trackers) and across units; a run of
  // one millisecond longer than a page.
  const all = [
    ...Array.from({ length: 40 }, (_, i) => fix(car, 1000 + i * 10, 'car-a')),
    ...Array.from({ length: 40 }, (_, i) => fix(car, 1000 + i * 20, 'car-b')),
    ...Array.from({ length: 9 }, (_, i) => fix(car, 1200, `car-${i}`)),
    ...Array.from({ length: 30 }, (_, i) => fix(van, 1005 + i * 15, 'van-a')),
    ...Array.from({ length: 30 }, (_, i) => fix(boat, 1000 + i * 10, 'car-a')),
  ];

  it('hands out every fix once, in the order of the whole tracks sorted, whatever the page size', async () => {
    const s = store(all);
    const expected = (await mergedTracks(s, [car, van, boat], 1010, 1400)).map(key);
    expect(expected.length).toBeGreaterThan(100);
    for (const size of [1, 2, 3, 7, 8, 100, 10_000])
      expect((await flat(mergedFixes(s, [car, van, boat], 1010, 1400, size))).map(key)).toEqual(expected);
    s.stop();
  });

  it('reads each unit a page at a time, with a turn of the event loop between any two reads, and batches of a page at most', async () => {
    const s = store(all);
    const batches: number[] = [];
    for await (const batch of mergedFixes(s, [car, van, boat], 0, 10_000, 8)) batches.push(batch.length);
    s.stop();
    expect(batches.reduce((a, b) => a + b, 0)).toBe(all.length);
    expect(Math.max(...batches)).toBeLessThanOrEqual(8);
    expect(s.reads.length).toBeGreaterThan(all.length / 8);
    // A read never asks for more than a page, but for a millisecond that fills a page alone.
    expect(s.reads.filter((r) => r.limit > 8).length).toBeLessThanOrEqual(1);
    for (let i = 1; i < s.reads.length; i++) expect(s.reads[i]!.turns).toBeGreaterThan(s.reads[i - 1]!.turns);
  });

  it('reads a millisecond that fills a page alone whole', async () => {
    const s = store(all);
    const pages = [];
    for await (const page of unitPages(s, car, 1200, 1200, 4)) pages.push(page.map(key));
    s.stop();
    expect(pages.flat()).toEqual(
      all
        .filter((f) => f.unitId === 'car' && f.stationId === 'deqing' && f.time === 1200)
        .sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))
        .map(key),
    );
  });
});
