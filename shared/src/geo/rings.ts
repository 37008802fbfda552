import { circle } from '@turf/turf';
import type { Polygon } from 'geojson';
import type { RankedUnit } from './eta.ts';
import type { LngLat } from './lnglat.ts';

/** The 织里 response rings: 1, 3, 5 and 8 minutes. */
export const RESPONSE_RING_MINUTES: readonly number[] = Object.freeze([1, 3, 5, 8]);

export interface ResponseRing {
  minutes: number;
  /** Straight-line radius, metres. */
  radiusM: number;
  /** WGS-84 circle (64 steps). */
  polygon: Polygon;
}

/**
 * 织里 1/3/5/8-minute circles around a task at a reference speed (km/h): radius = speed × t ÷
 * detour, so the ring is where a unit at that speed could come from within t, as the ETA estimates
 * it. Throws RangeError on a non-positive speed, detour or minute.
 *
 * @example
 * responseRings(lngLat(120.2954, 30.5222), 40, 1.4) // radii 476, 1429, 2381, 3810 m
 */
export function responseRings(
  center: LngLat,
  speedKmh: number,
  detourFactor: number,
  minutes: readonly number[] = RESPONSE_RING_MINUTES,
): ResponseRing[] {
  if (!(speedKmh > 0) || !Number.isFinite(speedKmh)) throw new RangeError('ring speed must be positive');
  if (!(detourFactor > 0) || !Number.isFinite(detourFactor)) throw new RangeError('detour factor must be positive');
  return minutes.map((m) => {
    if (!(m > 0) || !Number.isFinite(m)) throw new RangeError(`ring minutes must be positive, not ${m}`);
    const radiusM = ((speedKmh / 3.6) * m * 60) / detourFactor;
    return {
      minutes: m,
      radiusM,
      polygon: circle([center[0], center[1]], radiusM, { units: 'meters', steps: 64 }).geometry,
    };
  });
}

/**
 * For each ring: the ranked units with a live or stale fix whose own ETA (by their kind) is within
 * the ring's minutes (cumulative: a unit in the 1-minute ring is in every larger one), in rank order.
 */
export function countWithinRings(
  ranked: readonly RankedUnit[],
  minutes: readonly number[] = RESPONSE_RING_MINUTES,
): Array<{ minutes: number; count: number; unitIds: string[] }> {
  const reachable = ranked
    .filter((u) => u.freshness !== 'lost' && u.etaSeconds !== null)
    .sort((p, q) => p.rank - q.rank);
  return minutes.map((m) => {
    const unitIds = reachable.filter((u) => u.etaSeconds! <= m * 60).map((u) => u.unitId);
    return { minutes: m, count: unitIds.length, unitIds };
  });
}
