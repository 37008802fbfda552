import type { TimeWindow } from '../live/track.ts';
import type { PositionFix, RetentionStore } from '../storage/types.ts';
import { trackFixes } from '../storage/track-pages.ts';

/** Rows asked of the track store at a time. */
const PAGE = 5_000;

/**
 * A unit's fixes as columns, oldest first: about 44 bytes a fix where fix objects take several
 * hundred, so a whole 7-day window at one fix a second (600,000 fixes) is held in about 26 MB while
 * its file is written. `speed` and `bearing` are NaN where the fix had none.
 */
export class TrackColumns {
  length = 0;
  lng = new Float64Array(1_024);
  lat = new Float64Array(1_024);
  time = new Float64Array(1_024);
  speed = new Float64Array(1_024);
  bearing = new Float64Array(1_024);
  /** Index into {@link devices}. */
  device = new Uint32Array(1_024);
  readonly devices: string[] = [];
  private readonly deviceIndex = new Map<string, number>();

  push(f: PositionFix): void {
    if (this.length === this.lng.length) this.grow();
    const i = this.length++;
    this.lng[i] = f.lng;
    this.lat[i] = f.lat;
    this.time[i] = f.time;
    this.speed[i] = f.speed ?? NaN;
    this.bearing[i] = f.bearing ?? NaN;
    let d = this.deviceIndex.get(f.deviceId);
    if (d === undefined) {
      d = this.devices.push(f.deviceId) - 1;
      this.deviceIndex.set(f.deviceId, d);
    }
    this.device[i] = d;
  }

  private grow(): void {
    // By half: a long track does not leave most of its last doubling unused.
    const size = Math.ceil(this.lng.length * 1.5);
    const wider = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    const f64 = (n: number) => new Float64Array(n);
    this.lng = wider(this.lng, f64);
    this.lat = wider(this.lat, f64);
    this.time = wider(this.time, f64);
    this.speed = wider(this.speed, f64);
    this.bearing = wider(this.bearing, f64);
    this.device = wider(this.device, (n) => new Uint32Array(n));
  }
}

/**
 * Every stored fix of a unit with `from <= time <= to` within the `windows` the user may read it
 * (`sharedWindows`), oldest first, read a page at a time: none left out, however many.
 */
export async function readTrackColumns(
  store: Pick<RetentionStore, 'trackPage'>,
  stationId: string,
  unitId: string,
  from: number,
  to: number,
  windows: readonly TimeWindow[],
): Promise<TrackColumns> {
  const track = new TrackColumns();
  for (const span of windows) {
    const [start, end] = [Math.max(from, span.from), Math.min(to, span.to)];
    if (start > end) continue;
    // Keyed by station and unit: another station's unit of the same id is never part of it.
    for await (const f of trackFixes(store, stationId, unitId, start, end + 1, PAGE)) track.push(f);
  }
  return track;
}
