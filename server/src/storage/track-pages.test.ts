import { describe, expect, it } from 'vitest';
import type { PositionFix } from './types.ts';
import { trackFixes } from './track-pages.ts';

const fix = (time: number, deviceId: string) => ({ time, deviceId }) as PositionFix;

/** The store's contract: `from <= time < to`, ordered by time then device, at most `limit`. */
function store(all: PositionFix[]) {
  const sorted = [...all].sort((a, b) => a.time - b.time || a.deviceId.localeCompare(b.deviceId));
  return {
    trackPage: async (_s: string, _u: string, from: number, to: number, limit: number) =>
      sorted.filter((f) => f.time >= from && f.time < to).slice(0, limit),
  };
}

const keys = async (it: AsyncGenerator<PositionFix>) => {
  const out: string[] = [];
  for await (const f of it) out.push(`${f.time}:${f.deviceId}`);
  return out;
};

describe('trackFixes', () => {
  it('yields every fix once, in order, when one millisecond straddles pages or fills several', async () => {
    const all = [
      fix(1, 'a'),
      fix(2, 'a'),
      fix(3, 'a'),
      fix(3, 'b'),
      fix(3, 'c'),
      fix(3, 'd'),
      fix(3, 'e'),
      fix(4, 'a'),
      fix(9, 'a'),
    ];
    const expected = all.map((f) => `${f.time}:${f.deviceId}`);
    for (const size of [1, 2, 3, 4, 100])
      expect(await keys(trackFixes(store(all), 's', 'u', 0, 10, size))).toEqual(expected);
    expect(await keys(trackFixes(store(all), 's', 'u', 2, 9, 2))).toEqual(expected.slice(1, 8));
  });
});
