import { parseUnitKey, unitKeyOf, type UnitPosition } from '@jointmap/shared';
import { DEFAULT_TRAIL, type TrailPoint } from './trail-buffer.ts';

/** History of one unit to fetch: the whole trail window, or (`from`, epoch ms) a gap from then on. */
export interface HistoryRequest {
  key: string;
  from?: number;
}

interface TrackCollection {
  features: Array<{
    geometry: { type: string; coordinates: unknown };
    properties: { coordinateProperties?: { times?: number[]; deviceIds?: string[] } };
  }>;
}

/**
 * Requests in flight at once. The server answers one unit per request (`GET /api/units/:id/track`),
 * so a thousand units are a thousand requests: a few at a time keeps a page's share of the
 * server small, and lets every unit's history arrive (a few seconds for a thousand) instead of none.
 */
const IN_FLIGHT = 3;
/** A jump between two kept fixes longer than this is a gap worth filling (kept points are 5 s apart). */
export const TRAIL_GAP_MS = 2 * DEFAULT_TRAIL.minSpacingMs;

/**
 * The units whose trails a snapshot after a reconnect would join by a straight line: those whose
 * newest fix moved on by more than {@link TRAIL_GAP_MS} while the link was down (their history from
 * the fix held before it), and those not held at all (their whole window).
 *
 * @example gapRequests(live.latest, snapshot.positions) // [{key: 'deqing-yuyue/car-01', from: 1700000000000}]
 */
export function gapRequests(
  held: ReadonlyMap<string, UnitPosition>,
  positions: readonly UnitPosition[],
): HistoryRequest[] {
  const requests: HistoryRequest[] = [];
  for (const p of positions) {
    const key = unitKeyOf(p);
    const before = held.get(key);
    if (!before) requests.push({ key });
    // No further back than a trail keeps: after an hour away, the last 15 minutes, not the hour.
    else if (p.time - before.time > TRAIL_GAP_MS)
      requests.push({ key, from: Math.max(before.time, p.time - DEFAULT_TRAIL.windowMs) });
  }
  return requests;
}

/** The track request of one unit (the server's default window: the trail's 15 minutes). */
function trackPath(req: HistoryRequest): string | null {
  const unit = parseUnitKey(req.key);
  if (!unit) return null;
  const from = req.from === undefined ? '' : `&from=${req.from}`;
  return `/api/units/${encodeURIComponent(unit.unitId)}/track?stationId=${encodeURIComponent(unit.stationId)}${from}`;
}

function trailPoints(fc: TrackCollection): TrailPoint[] {
  const points: TrailPoint[] = [];
  for (const f of fc.features) {
    const times = f.properties.coordinateProperties?.times ?? [];
    const devices = f.properties.coordinateProperties?.deviceIds ?? [];
    const coords = (f.geometry.type === 'LineString' ? f.geometry.coordinates : [f.geometry.coordinates]) as Array<
      [number, number]
    >;
    coords.forEach((c, i) => times[i] !== undefined && points.push([c[0], c[1], times[i]!, devices[i] ?? '']));
  }
  return points;
}

/**
 * Fetch the history of these units, {@link IN_FLIGHT} at a time, handing each unit's points to
 * `found` (none: nothing is called) and telling `answered` of each unit the server answered for. A
 * unit whose request failed is not answered (offline again: ask once more later). Stops starting
 * requests once `stopped` says so.
 */
export async function fetchTrailHistory(
  getJson: <T>(path: string) => Promise<T>,
  requests: readonly HistoryRequest[],
  found: (key: string, points: TrailPoint[]) => void,
  stopped: () => boolean,
  answered: (key: string) => void = () => undefined,
): Promise<void> {
  const queue = [...requests];
  const worker = async () => {
    for (let req = queue.shift(); req !== undefined && !stopped(); req = queue.shift()) {
      const path = trackPath(req);
      if (!path) continue;
      try {
        const points = trailPoints(await getJson<TrackCollection>(path));
        if (points.length && !stopped()) found(req.key, points);
        answered(req.key);
      } catch {
        // no history for this unit (or no longer visible): its trail grows from live fixes
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}
