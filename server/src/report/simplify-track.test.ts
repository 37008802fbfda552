import { expect, test } from 'vitest';
import type { Position } from 'geojson';
import { simplifyTrack } from './simplify-track.ts';

/** A patrol going back and forth across a 5 km street, `turns` times, slowly drifting north. */
function patrol(turns: number, perLeg = 50): Position[] {
  const out: Position[] = [];
  for (let leg = 0; leg < turns; leg++)
    for (let i = 0; i < perLeg; i++) {
      const f = leg % 2 === 0 ? i / perLeg : 1 - i / perLeg;
      out.push([120.3 + 0.05 * f, 30.5 + (leg * perLeg + i) * 1e-7]);
    }
  return out;
}

test('a long back-and-forth patrol keeps its turns on both sides of the street within the vertex cap', () => {
  const track = patrol(3_001);
  const out = simplifyTrack(track, 0.05 / 1_000, 2_000);
  expect(out.length).toBeLessThanOrEqual(2_000);
  expect(out[0]).toEqual(track[0]);
  expect(out.at(-1)).toEqual(track.at(-1));
  // Turns at the east end and at the west end both survive, in about equal numbers.
  const east = out.filter((p) => p[0]! > 120.3 + 0.045).length;
  const west = out.filter((p) => p[0]! < 120.3 + 0.005).length;
  expect(east).toBeGreaterThan(500);
  expect(west).toBeGreaterThan(500);
});

test('a short track is simplified to the tolerance only, and two fixes stay as they are', () => {
  const straight: Position[] = Array.from({ length: 100 }, (_, i) => [120.3 + i * 1e-4, 30.5]);
  expect(simplifyTrack(straight, 1e-5, 2_000)).toEqual([straight[0], straight.at(-1)]);
  const two: Position[] = [
    [120.3, 30.5],
    [120.31, 30.5],
  ];
  expect(simplifyTrack(two, 1e-5, 2_000)).toEqual(two);
});
