import { fixtures } from '@jointmap/shared/fixtures/records';

/**
 * A line annotation `id` of 800 points, about 16 KB in a document: what tests draw to grow one to
 * a given size. `i` bends it, so that no two lines share their points.
 */
export function bigLine(id: string, i: number) {
  const coordinates = Array.from({ length: 800 }, (_, k): [number, number] => [
    120.05 + k * 0.0002,
    30.5 + Math.sin(k / 20 + i) * 0.01,
  ]);
  return {
    ...fixtures.lastKnownPoint({ id }),
    kind: 'line',
    geometry: { type: 'LineString', coordinates },
  };
}
