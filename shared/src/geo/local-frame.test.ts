import { distance } from '@turf/turf';
import { describe, expect, test } from 'vitest';
import { localMetricFrame } from './local-frame.ts';

/** Near the tri-county junction. */
const ORIGIN = [120.2954, 30.5222] as const;

describe('localMetricFrame', () => {
  const frame = localMetricFrame(ORIGIN);

  test('the origin is (0, 0) and points go there and back unchanged', () => {
    expect(frame.toMetres(ORIGIN)).toEqual([0, 0]);
    for (const [x, y] of [
      [1234.5, -678.9],
      [-20_000, 15_000],
      [0, 0],
    ] as const) {
      const [bx, by] = frame.toMetres(frame.toLngLat(x, y));
      expect(bx).toBeCloseTo(x, 6);
      expect(by).toBeCloseTo(y, 6);
    }
  });

  test('metres east and north match great-circle distances within 0.1 % over 10 km', () => {
    for (const [x, y] of [
      [10_000, 0],
      [0, -10_000],
      [-7_000, 7_000],
    ] as const) {
      const km = distance([...ORIGIN], frame.toLngLat(x, y), { units: 'kilometers' });
      expect(Math.abs((km * 1000) / Math.hypot(x, y) - 1)).toBeLessThanOrEqual(0.001);
    }
  });
});
