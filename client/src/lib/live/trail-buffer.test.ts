import { describe, expect, test } from 'vitest';
import { TrailBuffer } from './trail-buffer.ts';

describe('TrailBuffer', () => {
  test('keeps points in time order, thins close ones and drops those older than the window', () => {
    const b = new TrailBuffer({ windowMs: 60_000, minSpacingMs: 5_000 });
    for (let t = 0; t <= 20_000; t += 1_000) b.add('u1', 120 + t / 1e6, 30, t);
    const times = b.get('u1').map((p) => p[2]);
    // Newest always kept; at most one point per 5 s before it.
    expect(times[times.length - 1]).toBe(20_000);
    for (let i = 1; i < times.length - 1; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5_000);
    b.add('u1', 121, 31, 12_500); // late fix lands in order
    const after = b.get('u1').map((p) => p[2]);
    expect([...after].sort((x, y) => x - y)).toEqual(after);
    expect(after).toContain(12_500);
    b.add('u1', 122, 32, 75_000);
    expect(b.get('u1').every((p) => p[2] >= 15_000)).toBe(true);
    // Pruning says which trails lost points (the layers redraw those): none the second time.
    expect(b.pruneAll(200_000)).toEqual(new Set(['u1']));
    expect(b.get('u1')).toEqual([]);
    expect(b.pruneAll(200_000)).toEqual(new Set());
  });

  test('seed merges fetched history with live points', () => {
    const b = new TrailBuffer({ windowMs: 600_000, minSpacingMs: 1_000 });
    b.add('u', 1, 1, 50_000);
    b.seed('u', [
      [0, 0, 10_000],
      [0.5, 0.5, 30_000],
    ]);
    expect(b.get('u').map((p) => p[2])).toEqual([10_000, 30_000, 50_000]);
  });
});
