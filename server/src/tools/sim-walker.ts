import { bbox, booleanPointInPolygon, destination, distance, rhumbBearing } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import type { UnitKind } from '@jointmap/shared';

/**
 * Plausible movement for simulated units: each unit wanders between random waypoints inside its
 * station's area (WGS-84), near an anchor point, at a speed typical of its kind, with GPS-like
 * jitter on the reported position; or, when given a route (drive to a sector, sweep it), follows
 * that route and then holds still. Pure apart from the seeded random generator it is given.
 */
export type Rng = () => number;

/** mulberry32: small, seeded, good enough for movement. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Typical speed (m/s) per kind. */
export const KIND_SPEED_MPS: Record<UnitKind, number> = {
  car: 11,
  motorbike: 9,
  drone: 12,
  boat: 4,
  dog: 2,
  foot: 1.3,
};

export interface Walker {
  kind: UnitKind;
  area: Polygon | MultiPolygon;
  anchor: [number, number];
  /** Waypoints are drawn within this distance of the anchor (km). */
  radiusKm: number;
  position: [number, number];
  target: [number, number];
  speedMps: number;
  bearing: number;
  /**
   * Waypoints still to visit, in order; `null` while patrolling (random waypoints). An empty
   * route means the route is finished: the walker holds its position.
   */
  route: [number, number][] | null;
}

/** A point inside `area` within `radiusKm` of `near` (falls back to anywhere in the area's box). */
export function randomPointIn(
  area: Polygon | MultiPolygon,
  near: [number, number],
  radiusKm: number,
  rng: Rng,
): [number, number] {
  for (let i = 0; i < 200; i++) {
    const p = destination(near, Math.sqrt(rng()) * radiusKm, rng() * 360 - 180, { units: 'kilometers' }).geometry
      .coordinates as [number, number];
    if (booleanPointInPolygon(p, area)) return p;
  }
  const [minX, minY, maxX, maxY] = bbox(area);
  for (let i = 0; i < 1000; i++) {
    const p: [number, number] = [minX + rng() * (maxX - minX), minY + rng() * (maxY - minY)];
    if (booleanPointInPolygon(p, area)) return p;
  }
  throw new Error('could not find a point inside the area');
}

export function createWalker(
  area: Polygon | MultiPolygon,
  kind: UnitKind,
  near: [number, number],
  rng: Rng,
  radiusKm = 5,
): Walker {
  const anchor = randomPointIn(area, near, radiusKm, rng);
  const position = randomPointIn(area, anchor, radiusKm / 2, rng);
  const w: Walker = { kind, area, anchor, radiusKm, position, target: position, speedMps: 0, bearing: 0, route: null };
  retarget(w, rng);
  return w;
}

/** Follow `points` in order (at the speed of the walker's kind), then hold still. */
export function followRoute(w: Walker, points: readonly [number, number][], rng: Rng): void {
  w.route = points.map((p) => [p[0], p[1]]);
  retarget(w, rng);
}

/** Back to patrolling around the walker's anchor. */
export function patrol(w: Walker, rng: Rng): void {
  w.route = null;
  retarget(w, rng);
}

/** True once a route given to {@link followRoute} has been driven to its end. */
export function routeDone(w: Walker): boolean {
  return w.route !== null && w.route.length === 0;
}

function retarget(w: Walker, rng: Rng): void {
  if (w.route) {
    const next = w.route[0];
    w.target = next ?? w.position;
    w.speedMps = next ? KIND_SPEED_MPS[w.kind] * (0.9 + rng() * 0.2) : 0;
    if (next && (next[0] !== w.position[0] || next[1] !== w.position[1]))
      w.bearing = (rhumbBearing(w.position, next) + 360) % 360;
    return;
  }
  // A waypoint whose straight path stays inside the area (checked at the midpoint).
  for (let i = 0; i < 20; i++) {
    const target = randomPointIn(w.area, w.anchor, w.radiusKm, rng);
    const mid: [number, number] = [(w.position[0] + target[0]) / 2, (w.position[1] + target[1]) / 2];
    if (booleanPointInPolygon(mid, w.area) || i === 19) {
      w.target = target;
      break;
    }
  }
  w.speedMps = KIND_SPEED_MPS[w.kind] * (0.8 + rng() * 0.4);
  w.bearing = (rhumbBearing(w.position, w.target) + 360) % 360;
}

/** Advance the walker by `dtSeconds`; returns the position to report (with GPS jitter). */
export function step(
  w: Walker,
  dtSeconds: number,
  rng: Rng,
): { lngLat: [number, number]; speedMps: number; bearing: number; accuracy: number } {
  let left = (w.speedMps * dtSeconds) / 1000;
  for (let guard = 0; guard < 50 && left > 0; guard++) {
    if (w.route?.length === 0) break;
    const remaining = distance(w.position, w.target, { units: 'kilometers' });
    if (remaining <= left) {
      w.position = w.target;
      left -= remaining;
      w.route?.shift();
      retarget(w, rng);
    } else {
      w.position = destination(w.position, left, w.bearing, { units: 'kilometers' }).geometry.coordinates as [
        number,
        number,
      ];
      left = 0;
    }
  }
  const accuracy = 3 + rng() * 7;
  const jitter = destination(w.position, (rng() * accuracy) / 2000, rng() * 360 - 180, { units: 'kilometers' }).geometry
    .coordinates as [number, number];
  return {
    lngLat: [round(jitter[0], 7), round(jitter[1], 7)],
    speedMps: w.speedMps,
    bearing: round(w.bearing, 1),
    accuracy: round(accuracy, 1),
  };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
