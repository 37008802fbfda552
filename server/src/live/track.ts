import { AppError, canSeeOperation, type Principal } from '@jointmap/shared';
import type { Operation, PositionFix } from '../storage/types.ts';
import { parseTimestamp } from './osmand.ts';

/**
 * A unit's track as GeoJSON (WGS-84): one LineString feature (a Point when there is a single fix,
 * no feature when there is none) whose `coordinateProperties` carry per-vertex times (epoch ms),
 * speeds (m/s) and bearings, the convention of @tmcw/togeojson, so a replay slider can interpolate.
 */
export function trackToGeoJson(
  unitId: string,
  stationId: string,
  fixes: readonly PositionFix[],
  from: number,
  to: number,
  truncated: boolean,
) {
  const properties = {
    unitId,
    stationId,
    from,
    to,
    count: fixes.length,
    truncated,
    coordinateProperties: {
      times: fixes.map((f) => f.time),
      speedsMps: fixes.map((f) => f.speed),
      bearings: fixes.map((f) => f.bearing),
      deviceIds: fixes.map((f) => f.deviceId),
    },
  };
  const coordinates = fixes.map((f) => [f.lng, f.lat]);
  const features =
    fixes.length === 0
      ? []
      : [
          {
            type: 'Feature' as const,
            properties,
            geometry:
              fixes.length === 1
                ? { type: 'Point' as const, coordinates: coordinates[0]! }
                : { type: 'LineString' as const, coordinates },
          },
        ];
  return {
    type: 'FeatureCollection' as const,
    crs: 'WGS-84',
    properties: { unitId, stationId, from, to, count: fixes.length, truncated },
    features,
  };
}

/**
 * `from`/`to` query values, read as ingest reads a tracker's time (`parseTimestamp`): epoch seconds
 * or ms (Traccar's rule), or ISO 8601, in UTC unless it names a zone, whatever the server's own zone.
 */
export function parseTimeParam(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  try {
    return parseTimestamp(value, 0);
  } catch {
    throw new AppError(
      'INVALID_PAYLOAD',
      `${name}: expected epoch seconds, epoch ms or ISO 8601 (UTC unless it has a zone), got "${value.slice(0, 40)}"`,
    );
  }
}

/** Whether a user may see positions of a station's units: through an operation they take part in. */
export function maySeeStation(user: Principal, stationId: string, operations: readonly Operation[]): boolean {
  if (user.role === 'commander') return true;
  return operations.some((op) => op.stations.includes(stationId) && canSeeOperation(user, op.stations));
}

/** A span of time, both ends included (epoch ms). */
export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * The spans of time in which a user may read a station's fixes, in order and apart: all of it for
 * a commander or their own station; else each operation they share with it, from its start to its
 * close (to now while under way). An operation shares its own time: not the station's history
 * before it, nor the time between two of them, nor a window on the station after it. Empty: none.
 */
export function sharedWindows(user: Principal, stationId: string, operations: readonly Operation[]): TimeWindow[] {
  if (user.role === 'commander' || user.stationId === stationId) return [{ from: 0, to: Number.MAX_SAFE_INTEGER }];
  const spans = operations
    .filter((op) => op.stations.includes(stationId) && canSeeOperation(user, op.stations))
    .map((op) => ({
      from: op.createdAt,
      to: op.status === 'active' ? Number.MAX_SAFE_INTEGER : (op.closedAt ?? Number.MAX_SAFE_INTEGER),
    }))
    .sort((a, b) => a.from - b.from);
  const merged: TimeWindow[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.from <= last.to) last.to = Math.max(last.to, span.to);
    else merged.push(span);
  }
  return merged;
}

/**
 * The stations whose live positions a user gets through an operation. While it is under way, all
 * of its stations. Once it is closed it is a record, and it shares no one's live positions any
 * more: a dispatcher keeps seeing another station's units only through a joint operation still
 * under way (commanders see every station); their own station's units stay visible.
 */
export function liveStations(user: Principal, op: Operation, operations: readonly Operation[]): string[] {
  if (op.status === 'active' || user.role === 'commander') return [...op.stations];
  const underWay = operations.filter((o) => o.status === 'active' && o.purgedAt == null);
  return op.stations.filter(
    (s) => s === user.stationId || underWay.some((o) => o.stations.includes(s) && canSeeOperation(user, o.stations)),
  );
}

/** `liveStations` of an operation for a user, reading the other operations only when it is closed. */
export async function liveStationsOf(
  user: Principal,
  op: Operation,
  listOperations: () => Promise<Operation[]>,
): Promise<string[]> {
  return op.status === 'active' ? [...op.stations] : liveStations(user, op, await listOperations());
}

/**
 * The station whose unit `unitId` a track request means. `candidates`: stations that have a unit of
 * that id with fixes or trackers. With `requested`, that station (if the user may see it and it has
 * such a unit); without, the only candidate the user may see. Another station's unit of the same
 * id is never read, and a station the user may not see is answered like an unknown unit.
 */
export function trackStation(
  user: Principal,
  unitId: string,
  requested: string | undefined,
  candidates: readonly string[],
  operations: readonly Operation[],
): string {
  const visible = [...new Set(candidates)].filter((s) => maySeeStation(user, s, operations)).sort();
  if (requested !== undefined) {
    if (visible.includes(requested)) return requested;
    throw new AppError('NOT_FOUND', `no track for unit ${unitId} of station ${requested}`);
  }
  if (visible.length === 1) return visible[0]!;
  if (visible.length === 0) throw new AppError('NOT_FOUND', `no track for unit ${unitId}`);
  throw new AppError('CONFLICT', `stations ${visible.join(', ')} each have a unit ${unitId}: add ?stationId=`);
}
