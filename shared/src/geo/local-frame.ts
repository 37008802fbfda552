import { EARTH_RADIUS_M } from './eta.ts';

/** Radians per degree. */
export const RAD = Math.PI / 180;
/** Metres per degree of latitude (and of longitude at the equator). */
export const M_PER_DEG = EARTH_RADIUS_M * RAD;

/**
 * A local metric frame: equirectangular projection around `origin` (x east, y north, metres).
 * Accurate to well under 1 % within tens of kilometres of the origin, which is all a sector,
 * a search area or a targeting radius needs.
 */
export interface LocalMetricFrame {
  toMetres(p: readonly number[]): [number, number];
  toLngLat(x: number, y: number): [number, number];
}

/**
 * The local metric frame around `origin` ([lng, lat]).
 *
 * @example
 * const frame = localMetricFrame([120.28, 30.53]);
 * frame.toLngLat(1000, -500); // 1 km east and 500 m south of the origin, as [lng, lat]
 */
export function localMetricFrame(origin: readonly number[]): LocalMetricFrame {
  const lng0 = origin[0]!;
  const lat0 = origin[1]!;
  const kx = M_PER_DEG * Math.cos(lat0 * RAD);
  return {
    toMetres: (p) => [(p[0]! - lng0) * kx, (p[1]! - lat0) * M_PER_DEG],
    toLngLat: (x, y) => [lng0 + x / kx, lat0 + y / M_PER_DEG],
  };
}
