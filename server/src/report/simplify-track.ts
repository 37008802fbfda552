import type { Position } from 'geojson';
import { simplify } from '@turf/turf';
import { thinLine } from '../interop/thin-line.ts';

/**
 * A unit's track for the printed report: at most `max` vertices by Visvalingam–Whyatt (O(n log n)
 * however long the track), then Douglas–Peucker to `tolerance` in degrees. Douglas–Peucker alone
 * over a days-long track held the event loop for seconds (5 s for 300,000 fixes of a patrol going
 * back and forth), and cutting what it left to every n-th vertex could drop every turn on one
 * side of such a patrol.
 */
export function simplifyTrack(coordinates: readonly Position[], tolerance: number, max: number): Position[] {
  if (coordinates.length < 3) return [...coordinates];
  const thin = thinLine(coordinates, max);
  return simplify({ type: 'LineString', coordinates: thin }, { tolerance }).coordinates;
}
