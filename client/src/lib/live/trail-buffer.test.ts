import { describe, expect, test } from 'vitest';
import { compareFixes } from '@jointmap/shared';
import { TrailBuffer, type TrailPoint } from './trail-buffer.ts';

describe('TrailBuffer', () => {
  test('keeps points in time order, thins close ones and drops those older than the window', () => {
    const b = new TrailBuffer({ windowMs: 60_000, minSpacingMs: 5_000 });
    for (let t = 0; t <= 20_000; t += 1_000) b.add('u1', 120 + t / 1e6, 30, t, 'd1');
    const times = b.get('u1').map((p) => p[2]);
    // Newest always kept; at most one point per 5 s before it.
    expect(times[times.length - 1]).toBe(20_000);
    for (let i = 1; i < times.length - 1; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5_000);
    b.add('u1', 121, 31, 12_500, 'd1'); // late fix lands in order
    const after = b.get('u1').map((p) => p[2]);
    expect([...after].sort((x, y) => x - y)).toEqual(after);
    expect(after).toContain(12_500);
    b.add('u1', 122, 32, 75_000, 'd1');
    expect(b.get('u1').every((p) => p[2] >= 15_000)).toBe(true);
    // Pruning says which trails lost points (the layers redraw those): none the second time.
    expect(b.pruneAll(200_000)).toEqual(new Set(['u1']));
    expect(b.get('u1')).toEqual([]);
    expect(b.pruneAll(200_000)).toEqual(new Set());
  });

  test('seed merges fetched history with live points', () => {
    const b = new TrailBuffer({ windowMs: 600_000, minSpacingMs: 1_000 });
    b.add('u', 1, 1, 50_000, 'd1');
    b.seed('u', [
      [0, 0, 10_000, 'd1'],
      [0.5, 0.5, 30_000, 'd1'],
    ]);
    expect(b.get('u').map((p) => p[2])).toEqual([10_000, 30_000, 50_000]);
  });

  describe('two fixes of one time from two trackers of the unit keep the one compareFixes calls newer, either order', () => {
    const fromA: TrailPoint = [120.1, 30.5, 20_000, 'dev-a'];
    const fromB: TrailPoint = [120.2, 30.6, 20_000, 'dev-b'];
    const orders = [
      [fromA, fromB],
      [fromB, fromA],
    ];

    test('as the newest point: the trail ends at the fix the marker shows', () => {
      expect(compareFixes({ time: 20_000, deviceId: 'dev-b' }, { time: 20_000, deviceId: 'dev-a' })).toBeGreaterThan(0);
      for (const order of orders) {
        const b = new TrailBuffer({ windowMs: 600_000, minSpacingMs: 1_000 });
        b.add('u', 120, 30.4, 10_000, 'dev-a');
        for (const p of order) b.add('u', p[0], p[1], p[2], p[3]);
        expect(b.get('u')).toEqual([[120, 30.4, 10_000, 'dev-a'], fromB]);
      }
    });

    test('inside the trail (a late fix) and from fetched history', () => {
      for (const order of orders) {
        const late = new TrailBuffer({ windowMs: 600_000, minSpacingMs: 1_000 });
        late.add('u', 120.3, 30.7, 30_000, 'dev-a');
        for (const p of order) late.add('u', p[0], p[1], p[2], p[3]);
        expect(late.get('u')).toEqual([fromB, [120.3, 30.7, 30_000, 'dev-a']]);

        const seeded = new TrailBuffer({ windowMs: 600_000, minSpacingMs: 1_000 });
        seeded.add('u', order[0]![0], order[0]![1], order[0]![2], order[0]![3]);
        seeded.seed('u', [order[1]!]);
        expect(seeded.get('u')).toEqual([fromB]);
      }
    });
  });
});
