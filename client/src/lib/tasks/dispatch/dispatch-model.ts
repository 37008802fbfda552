import {
  DEFAULT_ETA,
  lngLat,
  RESPONSE_RING_MINUTES,
  type DispatchSettings,
  type EtaConfig,
  type LngLat,
  type Task,
} from '@jointmap/shared';

/** What the dispatch panel and the ring layer need: the ETA model and the rings. */
export interface DispatchModel {
  eta: EtaConfig;
  ringMinutes: readonly number[];
  /** Reference speed the rings are drawn at (a patrol car), km/h. */
  ringSpeedKmh: number;
}

/**
 * The operation's dispatch settings (`GET /api/operations/:id` → `dispatch`), or the shared defaults (`DEFAULT_ETA`, 1/3/5/8 minutes at a
 * patrol car's speed) when the server sent none.
 */
export function dispatchModel(config: DispatchSettings | undefined | null): DispatchModel {
  if (!config) {
    return { eta: DEFAULT_ETA, ringMinutes: RESPONSE_RING_MINUTES, ringSpeedKmh: DEFAULT_ETA.speedKmh.car };
  }
  return {
    eta: { detourFactor: config.detourFactor, speedKmh: { ...DEFAULT_ETA.speedKmh, ...config.speedKmh } },
    ringMinutes: config.ringMinutes.length ? config.ringMinutes : RESPONSE_RING_MINUTES,
    ringSpeedKmh: config.ringSpeedKmh,
  };
}

/**
 * Where units are sent for a task: its location, else the centroid of its area (area-weighted,
 * planar in degrees: exact enough at the size of a task area), else null.
 *
 * @example
 * taskTarget({ location: { type: 'Point', coordinates: [120.29, 30.52] }, area: null }) // [120.29, 30.52]
 */
export function taskTarget(task: Pick<Task, 'location' | 'area'>): LngLat | null {
  if (task.location) return lngLat(...task.location.coordinates);
  const ring = task.area?.coordinates[0];
  if (!ring || ring.length === 0) return null;
  // Relative to the first vertex: the shoelace sum over raw degrees (~120 × 30) loses the digits
  // that a small area is made of.
  const [ox, oy] = ring[0]!;
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const x0 = ring[i]![0] - ox;
    const y0 = ring[i]![1] - oy;
    const x1 = ring[i + 1]![0] - ox;
    const y1 = ring[i + 1]![1] - oy;
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(a) < 1e-14) {
    // Degenerate ring (all points on a line): the mean of its vertices.
    const n = ring.length;
    return lngLat(ring.reduce((s, p) => s + p[0], 0) / n, ring.reduce((s, p) => s + p[1], 0) / n);
  }
  return lngLat(ox + cx / (3 * a), oy + cy / (3 * a));
}
