import { isNewerFix, type FixOrder } from '@jointmap/shared';

/**
 * One kept point of a trail: WGS-84 longitude, latitude, fix time (epoch ms) and the tracker it came
 * from ('' when not known).
 */
export type TrailPoint = [lng: number, lat: number, time: number, deviceId: string];

const order = (p: TrailPoint): FixOrder => ({ time: p[2], deviceId: p[3] });

export interface TrailOptions {
  /** Points older than this (relative to the newest fix seen) are dropped. */
  windowMs: number;
  /** A point closer in time than this to the previous kept one replaces it instead of adding one. */
  minSpacingMs: number;
}

export const DEFAULT_TRAIL: TrailOptions = { windowMs: 15 * 60_000, minSpacingMs: 5_000 };

/**
 * The last few minutes of each unit's positions, thinned to one point per `minSpacingMs` so that a
 * thousand units at 1 Hz stay a few hundred thousand coordinates at most. Fixes arriving out of
 * order are inserted in time order. One point is kept per fix time: of two fixes of one time (two
 * trackers on the unit) the one `compareFixes` calls newer, whichever arrived first, so a trail
 * ends where the unit's marker (`mergeNewest`) is. Nothing here touches the DOM or the map.
 */
export class TrailBuffer {
  private readonly trails = new Map<string, TrailPoint[]>();

  constructor(private readonly options: TrailOptions = DEFAULT_TRAIL) {}

  add(unitId: string, lng: number, lat: number, time: number, deviceId: string): void {
    let trail = this.trails.get(unitId);
    if (!trail) this.trails.set(unitId, (trail = []));
    const point: TrailPoint = [lng, lat, time, deviceId];
    const last = trail[trail.length - 1];
    if (!last || time > last[2]) {
      const beforeLast = trail[trail.length - 2];
      // The newest point is always kept; it replaces the previous newest while that one is still
      // closer than minSpacingMs to the point before it (so kept points are that far apart).
      if (last && beforeLast && last[2] - beforeLast[2] < this.options.minSpacingMs) trail[trail.length - 1] = point;
      else trail.push(point);
    } else {
      let i = trail.length;
      while (i > 0 && trail[i - 1]![2] > time) i--;
      const held = trail[i - 1];
      if (held?.[2] !== time) trail.splice(i, 0, point);
      else if (isNewerFix(order(point), order(held))) trail[i - 1] = point;
    }
    this.prune(unitId, time);
  }

  /** Replace a unit's trail with fetched history (e.g. after a reload), merged with what is held. */
  seed(unitId: string, points: readonly TrailPoint[]): void {
    const held = this.trails.get(unitId) ?? [];
    this.trails.delete(unitId);
    const merged = [...points, ...held].sort((a, b) => a[2] - b[2]);
    for (const p of merged) this.add(unitId, p[0], p[1], p[2], p[3]);
  }

  get(unitId: string): readonly TrailPoint[] {
    return this.trails.get(unitId) ?? [];
  }

  units(): IterableIterator<string> {
    return this.trails.keys();
  }

  delete(unitId: string): void {
    this.trails.delete(unitId);
  }

  /** Drop points older than the window before `now` (the newest fix time, or a clock); returns whether any went. */
  prune(unitId: string, now: number): boolean {
    const trail = this.trails.get(unitId);
    if (!trail) return false;
    const cutoff = now - this.options.windowMs;
    let drop = 0;
    while (drop < trail.length && trail[drop]![2] < cutoff) drop++;
    if (drop) trail.splice(0, drop);
    if (trail.length === 0) this.trails.delete(unitId);
    return drop > 0;
  }

  /** {@link prune} every trail; returns the units whose trails lost points (their drawn lines are out of date). */
  pruneAll(now: number): Set<string> {
    const pruned = new Set<string>();
    for (const id of [...this.trails.keys()]) if (this.prune(id, now)) pruned.add(id);
    return pruned;
  }
}
