import { area, circle, length, lineString, polygon } from '@turf/turf';
import type { Polygon } from 'geojson';
import type { LngLat, Metres } from './lnglat.ts';
import { metres } from './lnglat.ts';

/** Length of a path through WGS-84 points, metres (geodesic, as turf measures it). */
export function pathLengthM(points: readonly LngLat[]): Metres {
  if (points.length < 2) return metres(0);
  return metres(length(lineString(points.map((p) => [p[0], p[1]])), { units: 'meters' }));
}

/** Area enclosed by WGS-84 points taken as a ring (closed for you), square metres; 0 below three points. */
export function polygonAreaM2(points: readonly LngLat[]): number {
  if (points.length < 3) return 0;
  const ring = points.map((p) => [p[0], p[1]]);
  return area(polygon([[...ring, ring[0]!]]));
}

/** Perimeter of the same ring, metres. */
export function perimeterM(points: readonly LngLat[]): Metres {
  if (points.length < 3) return pathLengthM(points);
  return pathLengthM([...points, points[0]!]);
}

export type DistanceUnit = 'm' | 'km';
export type AreaUnit = 'm2' | 'ha' | 'km2';

/**
 * A distance for reading: whole metres below 1 km, else kilometres (two decimals below 100 km).
 *
 * @example
 * formatDistance(1234.5) // { value: '1.23', unit: 'km' }
 */
export function formatDistance(m: number): { value: string; unit: DistanceUnit } {
  if (m < 1000) return { value: String(Math.round(m)), unit: 'm' };
  const km = m / 1000;
  return { value: km < 100 ? km.toFixed(2) : km.toFixed(1), unit: 'km' };
}

/**
 * An area for reading: square metres below a hectare, hectares (公顷) below a square kilometre, then
 * square kilometres.
 *
 * @example
 * formatArea(25_000) // { value: '2.50', unit: 'ha' }
 */
export function formatArea(m2: number): { value: string; unit: AreaUnit } {
  if (m2 < 10_000) return { value: String(Math.round(m2)), unit: 'm2' };
  if (m2 < 1_000_000) return { value: (m2 / 10_000).toFixed(2), unit: 'ha' };
  const km2 = m2 / 1_000_000;
  return { value: km2 < 100 ? km2.toFixed(2) : km2.toFixed(1), unit: 'km2' };
}

/** Default range-ring radii, metres. */
export const DEFAULT_RING_RADII_M: readonly number[] = Object.freeze([500, 1000, 2000, 5000]);

/**
 * Ring radii typed by a dispatcher: numbers in kilometres separated by commas or spaces, each
 * optionally suffixed `m`/`米` (metres) or `km`/`公里`. Null when nothing valid was typed; at most
 * 10 rings of up to 500 km, sorted, duplicates dropped.
 *
 * @example
 * parseRadii('500米, 1, 2.5km') // [500, 1000, 2500]
 */
export function parseRadii(text: string): number[] | null {
  const parts = text
    .normalize('NFKC')
    .split(/[\s,;、]+/)
    .filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 10) return null;
  const out = new Set<number>();
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(m|米|km|公里|千米)?$/i.exec(p);
    if (!m) return null;
    const n = Number(m[1]);
    const r = m[2] === 'm' || m[2] === 'M' || m[2] === '米' ? n : n * 1000;
    if (!(r > 0) || r > 500_000) return null;
    out.add(Math.round(r * 100) / 100);
  }
  return [...out].sort((a, b) => a - b);
}

/** Range rings: one 128-step geodesic circle per radius around `center`. */
export function rangeRings(center: LngLat, radiiM: readonly number[]): Array<{ radiusM: number; polygon: Polygon }> {
  return radiiM.map((radiusM) => ({
    radiusM,
    polygon: circle([center[0], center[1]], radiusM, { units: 'meters', steps: 128 }).geometry,
  }));
}
