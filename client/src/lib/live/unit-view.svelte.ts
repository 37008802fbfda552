import { NO_UNIT_FILTER, type UnitFilter } from './unit-filter.ts';

/** A unit track as `GET /api/units/:id/track` returns it (WGS-84, togeojson coordinateProperties). */
export interface TrackFeatureCollection {
  type: 'FeatureCollection';
  /** `truncated`: the window held more fixes than the server sends at once; these are its first ones. */
  properties?: { truncated?: boolean } & Record<string, unknown>;
  features: Array<{
    type: 'Feature';
    geometry:
      { type: 'LineString'; coordinates: Array<[number, number]> } | { type: 'Point'; coordinates: [number, number] };
    properties: {
      coordinateProperties?: { times?: number[]; speedsMps?: Array<number | null>; bearings?: Array<number | null> };
    } & Record<string, unknown>;
  }>;
}

/** One track point with its time, flattened from the collection for the replay slider. */
export interface TrackPoint {
  lngLat: [number, number];
  time: number;
  speedMps: number | null;
  bearing: number | null;
}

export function trackPoints(fc: TrackFeatureCollection): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const f of fc.features) {
    const props = f.properties.coordinateProperties ?? {};
    const coords = f.geometry.type === 'LineString' ? f.geometry.coordinates : [f.geometry.coordinates];
    coords.forEach((c, i) => {
      const time = props.times?.[i];
      if (time === undefined) return;
      out.push({
        lngLat: [c[0], c[1]],
        time,
        speedMps: props.speedsMps?.[i] ?? null,
        bearing: props.bearings?.[i] ?? null,
      });
    });
  }
  return out.sort((a, b) => a.time - b.time);
}

/** A track loaded for the window `from`–`to`; `truncated`: the points end before the window does. */
export interface LoadedTrack {
  key: string;
  from: number;
  to: number;
  points: TrackPoint[];
  truncated: boolean;
}

/**
 * The rest of a truncated track's window: from just after its last point to the window's end (the
 * server's bounds are inclusive, so the last point is not loaded twice). Null when nothing is left.
 */
export function nextTrackWindow(track: LoadedTrack): { from: number; to: number } | null {
  const last = track.points.at(-1);
  if (!track.truncated || !last || last.time >= track.to) return null;
  return { from: last.time + 1, to: track.to };
}

/**
 * What the console shows about units beyond the live layer: the selected unit, and a track loaded
 * for a time window with the replay position on it. Units are named by `unitKey(stationId, unitId)`:
 * two stations may both have a `car-01`.
 */
export class UnitView {
  /** The selected unit's key (`unitKey(stationId, unitId)`). */
  selectedKey = $state<string | null>(null);
  /** Unit whose roster record is being edited (`''` = a new unit), and in which station. */
  editing = $state<{ stationId: string; unitId: string } | null>(null);
  track = $state.raw<LoadedTrack | null>(null);
  replayIndex = $state(0);
  /** Which units the roster and the map show (station, kind, status; `''` = any). */
  filter = $state<UnitFilter>({ ...NO_UNIT_FILTER });
  /** The unit the map keeps in view as its fixes arrive (`unitKey`), or null. */
  followKey = $state<string | null>(null);

  select(key: string | null): void {
    this.selectedKey = key;
    if (key !== this.followKey) this.followKey = null;
  }

  /** Start (`true`) or stop following the selected unit. */
  follow(on: boolean): void {
    this.followKey = on ? this.selectedKey : null;
  }

  showTrack(key: string, from: number, to: number, fc: TrackFeatureCollection): void {
    const points = trackPoints(fc);
    // A cut track must say so: its slider's end is then not the window's end.
    const truncated = fc.properties?.truncated === true || fc.features.some((f) => f.properties.truncated === true);
    this.track = { key, from, to, points, truncated };
    this.replayIndex = Math.max(0, points.length - 1);
  }

  clearTrack(): void {
    this.track = null;
    this.replayIndex = 0;
  }

  get replayPoint(): TrackPoint | null {
    return this.track?.points[this.replayIndex] ?? null;
  }
}
