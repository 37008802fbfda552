import type { Polygon } from 'geojson';
import { isNewerFix } from '../live/newest.ts';
import type { LngLat } from './lnglat.ts';
import { M_PER_DEG, RAD } from './local-frame.ts';
import { boxOf, SectorCoverageGrid, type CoverageGridOptions } from './coverage-grid.ts';

/** The unit a fix belongs to. */
export interface UnitKey {
  unitId: string;
  stationId: string;
}

export interface CoverageSectorDef {
  id: string;
  polygon: Polygon;
  sweepWidthM: number;
  /** Units whose tracks count (e.g. assigned to the sector, fix at or after `assignedAt`). */
  accepts(unitKey: UnitKey, time: number): boolean;
}

export interface CoverageTrackerOptions extends CoverageGridOptions {
  /** A longer gap between two fixes starts a new track (default 120 s). */
  maxGapMs?: number;
  /** A faster jump between two fixes starts a new track (default 60 m/s). */
  maxSpeedMps?: number;
}

const DEFAULT_MAX_GAP_MS = 120_000;
const DEFAULT_MAX_SPEED_MPS = 60;

const SEGMENT = 0;
const POINT = 1;
const OUT_OF_ORDER = 2;

/**
 * A unit's newest fix by `compareFixes` (later time, then greater device id) and the fix a fix at
 * its time steps from: the newest one at an earlier time (`bTime` NaN: none). Mutated in place as
 * the unit moves on.
 */
interface PrevFix {
  lng: number;
  lat: number;
  time: number;
  deviceId: string;
  bLng: number;
  bLat: number;
  bTime: number;
}

/** The track rule for a step from (aLng, aLat, aTime) to a later fix: SEGMENT or POINT. */
function stepKind(
  aLng: number,
  aLat: number,
  aTime: number,
  lng: number,
  lat: number,
  time: number,
  gap: number,
  speed: number,
) {
  const dt = time - aTime;
  if (!(dt > 0) || dt > gap) return POINT;
  const dist = Math.hypot((lng - aLng) * M_PER_DEG * Math.cos(lat * RAD), (lat - aLat) * M_PER_DEG);
  return dist === 0 || dist / (dt / 1000) <= speed ? SEGMENT : POINT;
}

/**
 * Per-unit track state, by station then unit (no key strings built per fix), and the track rule
 * that moves it on ({@link advance}).
 */
class PrevFixes {
  private readonly byStation = new Map<string, Map<string, PrevFix>>();
  /** Where the step that {@link advance} last called a SEGMENT starts. */
  aLng = 0;
  aLat = 0;
  aTime = 0;

  /**
   * Take a unit's fix: SEGMENT (from `aLng`, `aLat`, `aTime`), POINT, or OUT_OF_ORDER (older than
   * the unit's newest fix: a point that leaves the chain as it was). A fix later than the newest
   * steps from it; one at the newest's time (another tracker of the unit, or the same fix again)
   * steps from where the newest did, and becomes the newest when `compareFixes` says so. So two
   * trackers reporting the same millisecond give the same steps and the same newest fix whichever
   * arrives first: live (arrival order) and a rebuild or replay (`compareFixes` order) agree.
   */
  advance(k: UnitKey, lng: number, lat: number, time: number, deviceId: string, gap: number, speed: number): number {
    let units = this.byStation.get(k.stationId);
    if (!units) this.byStation.set(k.stationId, (units = new Map()));
    const prev = units.get(k.unitId);
    if (!prev) {
      units.set(k.unitId, { lng, lat, time, deviceId, bLng: 0, bLat: 0, bTime: NaN });
      return POINT;
    }
    if (time < prev.time) return OUT_OF_ORDER;
    const later = time > prev.time;
    if (later) [prev.bLng, prev.bLat, prev.bTime] = [prev.lng, prev.lat, prev.time];
    // A later fix steps from the newest, which just became the step start of its time.
    const kind = Number.isNaN(prev.bTime)
      ? POINT
      : stepKind(prev.bLng, prev.bLat, prev.bTime, lng, lat, time, gap, speed);
    [this.aLng, this.aLat, this.aTime] = [prev.bLng, prev.bLat, prev.bTime];
    if (later || isNewerFix({ time, deviceId }, prev))
      [prev.lng, prev.lat, prev.time, prev.deviceId] = [lng, lat, time, deviceId];
    return kind;
  }
}

/** A sector's bbox in degrees, grown by half the sweep width. */
function sweepBox(def: CoverageSectorDef): [number, number, number, number] {
  const [minX, minY, maxX, maxY] = boxOf(def.polygon.coordinates[0] ?? []);
  const dy = def.sweepWidthM / 2 / M_PER_DEG;
  const dx = dy / Math.max(0.01, Math.cos(Math.max(Math.abs(minY), Math.abs(maxY)) * RAD));
  return [minX - dx, minY - dy, maxX + dx, maxY + dy];
}

/** Buckets a sector or a query may span before it falls back to a plain scan. */
const MAX_BUCKETS = 1024;
const bucketKey = (ix: number, iy: number): number => ix * 8_388_608 + iy;

/**
 * Coverage of many sectors from a stream of fixes: a bucket-grid index over the sector bboxes, and
 * per unit the previous fix, so each new fix adds the segment from the previous one (a gap longer
 * than maxGapMs, default 120 s, or a jump faster than maxSpeedMps, default 60 m/s, starts a new
 * track instead of joining). Fixes older than the unit's previous fix are swept as single points
 * but ignored for the segment chain (out of order). Fixes at the time of the previous one (two
 * trackers on the unit) each join from the fix before that time, and the chain goes on from the
 * one `compareFixes` calls newer, so the result does not depend on which arrived first. A segment
 * counts for a sector when the sector accepts the unit at both of its fixes' times; when only at
 * the newer one, that fix is a point.
 *
 * @example
 * const tracker = new CoverageTracker(sectors.map((s) => ({ ...s, accepts: (u) => s.unitIds.includes(u.unitId) })));
 * for (const id of tracker.addFix({ unitId, stationId }, lngLat(lng, lat), time, deviceId)) send(id, tracker.fraction(id));
 */
export class CoverageTracker {
  private readonly defs: readonly CoverageSectorDef[];
  private readonly grids: readonly SectorCoverageGrid[];
  private readonly byId = new Map<string, number>();
  /** Grown sector bboxes, 4 numbers each. */
  private readonly boxes: Float64Array;
  private readonly bucketDeg: number;
  private readonly buckets = new Map<number, number[]>();
  /** Sectors too large for the buckets, looked at for every fix. */
  private readonly everywhere: number[] = [];
  /** Per sector: the last query that looked at it (each sector is visited once per fix). */
  private readonly seen: Float64Array;
  private stamp = 0;
  private readonly found: number[] = [];
  private readonly prev = new PrevFixes();
  private readonly maxGapMs: number;
  private readonly maxSpeedMps: number;

  constructor(sectors: readonly CoverageSectorDef[], options: CoverageTrackerOptions = {}) {
    this.maxGapMs = options.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    this.maxSpeedMps = options.maxSpeedMps ?? DEFAULT_MAX_SPEED_MPS;
    this.defs = [...sectors];
    this.defs.forEach((d, i) => {
      if (this.byId.has(d.id)) throw new RangeError(`sector id "${d.id}" is given twice`);
      this.byId.set(d.id, i);
    });
    this.grids = this.defs.map((d) => new SectorCoverageGrid(d.polygon, d.sweepWidthM, options));
    this.boxes = Float64Array.from(this.defs.flatMap(sweepBox));
    this.seen = new Float64Array(this.defs.length);
    const extents = this.defs
      .map((_, i) =>
        Math.max(this.boxes[i * 4 + 2]! - this.boxes[i * 4]!, this.boxes[i * 4 + 3]! - this.boxes[i * 4 + 1]!),
      )
      .sort((a, b) => a - b);
    // Buckets the size of a typical sector: a fix looks at a handful of sectors.
    this.bucketDeg = Math.max(1e-4, extents[Math.floor(extents.length / 2)] ?? 0.01);
    for (let i = 0; i < this.defs.length; i++) {
      const b = this.bucketDeg;
      const [ix0, iy0] = [Math.floor(this.boxes[i * 4]! / b), Math.floor(this.boxes[i * 4 + 1]! / b)];
      const [ix1, iy1] = [Math.floor(this.boxes[i * 4 + 2]! / b), Math.floor(this.boxes[i * 4 + 3]! / b)];
      if ((ix1 - ix0 + 1) * (iy1 - iy0 + 1) > MAX_BUCKETS) {
        this.everywhere.push(i);
        continue;
      }
      for (let ix = ix0; ix <= ix1; ix++) {
        for (let iy = iy0; iy <= iy1; iy++) {
          const list = this.buckets.get(bucketKey(ix, iy));
          if (list) list.push(i);
          else this.buckets.set(bucketKey(ix, iy), [i]);
        }
      }
    }
  }

  /**
   * Add a unit's fix (WGS-84, epoch ms) from tracker `deviceId` (what orders two fixes of one time,
   * as `compareFixes` does). Returns the ids of sectors whose
   * fraction changed, in sector order.
   */
  addFix(unitKey: UnitKey, lngLat: LngLat, time: number, deviceId: string): string[] {
    if (!Number.isFinite(time)) return [];
    const [lng, lat] = lngLat;
    const prev = this.prev;
    const joined = prev.advance(unitKey, lng, lat, time, deviceId, this.maxGapMs, this.maxSpeedMps) === SEGMENT;
    const [aLng, aLat, aTime] = joined ? [prev.aLng, prev.aLat, prev.aTime] : [lng, lat, time];

    const x0 = Math.min(aLng, lng);
    const y0 = Math.min(aLat, lat);
    const x1 = Math.max(aLng, lng);
    const y1 = Math.max(aLat, lat);
    const changed: number[] = [];
    for (const i of this.candidates(x0, y0, x1, y1)) {
      const def = this.defs[i]!;
      if (!def.accepts(unitKey, time)) continue;
      const whole = joined && def.accepts(unitKey, aTime);
      if (this.grids[i]!.sweep(whole ? aLng : lng, whole ? aLat : lat, lng, lat)) changed.push(i);
    }
    return changed.sort((p, q) => p - q).map((i) => this.defs[i]!.id);
  }

  /** Sectors whose grown bbox meets the box, each once (the returned array is reused). */
  private candidates(x0: number, y0: number, x1: number, y1: number): readonly number[] {
    const out = this.found;
    out.length = 0;
    const stamp = ++this.stamp;
    const b = this.bucketDeg;
    const [ix0, iy0, ix1, iy1] = [Math.floor(x0 / b), Math.floor(y0 / b), Math.floor(x1 / b), Math.floor(y1 / b)];
    const scanAll = (ix1 - ix0 + 1) * (iy1 - iy0 + 1) > MAX_BUCKETS;
    const lists = scanAll ? [this.defs.map((_, i) => i)] : [this.everywhere];
    for (let ix = ix0; !scanAll && ix <= ix1; ix++) {
      for (let iy = iy0; iy <= iy1; iy++) {
        const list = this.buckets.get(bucketKey(ix, iy));
        if (list) lists.push(list);
      }
    }
    for (const list of lists) {
      for (const i of list) {
        if (this.seen[i] === stamp) continue;
        this.seen[i] = stamp;
        const k = i * 4;
        if (x1 < this.boxes[k]! || x0 > this.boxes[k + 2]! || y1 < this.boxes[k + 1]! || y0 > this.boxes[k + 3]!)
          continue;
        out.push(i);
      }
    }
    return out;
  }

  /** Swept fraction (0–1) of a sector; throws RangeError for an unknown sector id. */
  fraction(sectorId: string): number {
    const i = this.byId.get(sectorId);
    if (i === undefined) throw new RangeError(`unknown sector "${sectorId}"`);
    return this.grids[i]!.fraction;
  }

  /** Every sector's swept fraction, in sector order. */
  fractions(): Map<string, number> {
    return new Map(this.defs.map((d, i) => [d.id, this.grids[i]!.fraction]));
  }
}

/** One fix of a unit's track. */
export interface CoverageFix extends UnitKey {
  lngLat: LngLat;
  time: number;
  /** The tracker it came from (orders two fixes of one time, as `compareFixes`); '' when not given. */
  deviceId?: string;
}

/**
 * Full recomputation: the coverage of every sector from a whole set of fixes (any order, ties in
 * time too) by the same track rules as `CoverageTracker`, without its index.
 * For a one-off answer (a report, a check); to carry on incrementally, feed the stored fixes in time
 * order to a new `CoverageTracker` instead. Also the reference the tracker is tested against.
 */
export function computeCoverage(
  sectors: readonly CoverageSectorDef[],
  fixes: readonly CoverageFix[],
  options: CoverageTrackerOptions = {},
): Map<string, number> {
  const ordered = fixes.filter((f) => Number.isFinite(f.time)).sort((p, q) => p.time - q.time);
  const gap = options.maxGapMs ?? DEFAULT_MAX_GAP_MS;
  const speed = options.maxSpeedMps ?? DEFAULT_MAX_SPEED_MPS;
  const prev = new PrevFixes();
  // Each step as numbers: from (lng, lat, time), to (lng, lat); from = to for a point.
  const steps = new Float64Array(ordered.length * 5);
  ordered.forEach((f, i) => {
    const [lng, lat] = f.lngLat;
    const joined = prev.advance(f, lng, lat, f.time, f.deviceId ?? '', gap, speed) === SEGMENT;
    steps[i * 5] = joined ? prev.aLng : lng;
    steps[i * 5 + 1] = joined ? prev.aLat : lat;
    steps[i * 5 + 2] = joined ? prev.aTime : f.time;
    steps[i * 5 + 3] = lng;
    steps[i * 5 + 4] = lat;
  });
  const out = new Map<string, number>();
  for (const def of sectors) {
    const grid = new SectorCoverageGrid(def.polygon, def.sweepWidthM, options);
    const [x0, y0, x1, y1] = sweepBox(def);
    for (let i = 0, k = 0; i < ordered.length; i++, k += 5) {
      const [aLng, aLat, aTime, bLng, bLat] = [steps[k]!, steps[k + 1]!, steps[k + 2]!, steps[k + 3]!, steps[k + 4]!];
      if ((aLng < x0 && bLng < x0) || (aLng > x1 && bLng > x1)) continue;
      if ((aLat < y0 && bLat < y0) || (aLat > y1 && bLat > y1)) continue;
      const f = ordered[i]!;
      if (!def.accepts(f, f.time)) continue;
      const whole = aTime !== f.time && def.accepts(f, aTime);
      grid.sweep(whole ? aLng : bLng, whole ? aLat : bLat, bLng, bLat);
    }
    out.set(def.id, grid.fraction);
  }
  return out;
}
