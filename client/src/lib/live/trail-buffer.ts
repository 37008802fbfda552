/** One kept point of a trail: WGS-84 longitude, latitude and fix time (epoch ms). */
export type TrailPoint = [lng: number, lat: number, time: number];

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
 * order are inserted in time order; nothing here touches the DOM or the map.
 */
export class TrailBuffer {
  private readonly trails = new Map<string, TrailPoint[]>();

  constructor(private readonly options: TrailOptions = DEFAULT_TRAIL) {}

  add(unitId: string, lng: number, lat: number, time: number): void {
    let trail = this.trails.get(unitId);
    if (!trail) this.trails.set(unitId, (trail = []));
    const last = trail[trail.length - 1];
    if (!last || time > last[2]) {
      const beforeLast = trail[trail.length - 2];
      // The newest point is always kept; it replaces the previous newest while that one is still
      // closer than minSpacingMs to the point before it (so kept points are that far apart).
      if (last && beforeLast && last[2] - beforeLast[2] < this.options.minSpacingMs)
        trail[trail.length - 1] = [lng, lat, time];
      else trail.push([lng, lat, time]);
    } else if (time < last[2]) {
      let i = trail.length - 1;
      while (i > 0 && trail[i - 1]![2] > time) i--;
      if (trail[i - 1]?.[2] !== time) trail.splice(i, 0, [lng, lat, time]);
    }
    this.prune(unitId, time);
  }

  /** Replace a unit's trail with fetched history (e.g. after a reload), merged with what is held. */
  seed(unitId: string, points: readonly TrailPoint[]): void {
    const held = this.trails.get(unitId) ?? [];
    this.trails.delete(unitId);
    const merged = [...points, ...held].sort((a, b) => a[2] - b[2]);
    for (const p of merged) this.add(unitId, p[0], p[1], p[2]);
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
