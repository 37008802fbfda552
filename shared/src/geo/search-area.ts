import { area, booleanPointInPolygon, circle, feature, featureCollection, intersect } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import type { TravelMode } from '../schema/search.ts';
import type { LngLat } from './lnglat.ts';

/** How fast a missing person is assumed to move: foot 4, bicycle (incl. tricycle) 12, car 40 km/h. */
export const TRAVEL_SPEED_KMH: Record<TravelMode, number> = Object.freeze({ foot: 4, bicycle: 12, car: 40 });

/** Radius in metres a person travelling by `mode` may have covered in `elapsedMs`. */
export function searchRadiusM(elapsedMs: number, mode: TravelMode): number {
  return (TRAVEL_SPEED_KMH[mode] / 3.6) * (elapsedMs / 1000);
}

/**
 * Circle of radius speed × elapsed around the last-known point, clipped to `clip` (the operation
 * area, e.g. the union of the stations' jurisdictions) when given. If clipping splits it, the piece
 * holding the last-known point (where the person was, so the search must cover it), else (the point
 * lies outside the operation area) the largest piece; holes kept. Throws RangeError on non-positive elapsed time or when the circle misses
 * `clip`.
 *
 * @example
 * searchAreaFromLastKnown(lngLat(120.2954, 30.5222), 2 * 3600_000, 'foot') // 8 km circle
 */
export function searchAreaFromLastKnown(
  point: LngLat,
  elapsedMs: number,
  mode: TravelMode,
  clip?: Polygon | MultiPolygon | null,
  steps = 64,
): Polygon {
  if (!(elapsedMs > 0) || !Number.isFinite(elapsedMs)) throw new RangeError('elapsed time must be positive');
  const disc = circle([point[0], point[1]], searchRadiusM(elapsedMs, mode), { units: 'meters', steps });
  if (!clip) return disc.geometry;
  const clipped = intersect(featureCollection([disc, feature(clip)]));
  if (clipped === null) throw new RangeError('the search circle lies outside the operation area');
  const geometry = clipped.geometry;
  if (geometry.type === 'Polygon') return geometry;
  let best: Polygon | null = null;
  let bestArea = -1;
  for (const coordinates of geometry.coordinates) {
    const piece: Polygon = { type: 'Polygon', coordinates };
    if (insideSearchArea(point, piece)) return piece;
    const a = area(piece);
    if (a > bestArea) {
      best = piece;
      bestArea = a;
    }
  }
  if (best === null) throw new RangeError('the search circle lies outside the operation area');
  return best;
}

/** Whether `point` lies inside the search area `area` (or on its edge). */
export function insideSearchArea(point: readonly [number, number], area: Polygon): boolean {
  return booleanPointInPolygon([point[0], point[1]], area);
}
