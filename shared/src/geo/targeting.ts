import { booleanIntersects, booleanPointInPolygon } from '@turf/turf';
import type { Point, Polygon, Position } from 'geojson';
import { localMetricFrame } from './coverage.ts';
import type { Jurisdiction } from './jurisdiction.ts';

type Xy = readonly [number, number];

/** Distance from p to the segment a–b, in the units of the (metric) coordinates. */
function pointSegmentDistance(p: Xy, a: Xy, b: Xy): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Smallest distance from any vertex of `from` to any edge of `to` (rings as closed vertex lists). */
function vertexToEdges(from: readonly Xy[][], to: readonly Xy[][]): number {
  let best = Infinity;
  for (const ring of from) {
    for (const p of ring) {
      for (const edges of to) {
        for (let i = 1; i < edges.length; i++) {
          best = Math.min(best, pointSegmentDistance(p, edges[i - 1]!, edges[i]!));
        }
        if (edges.length === 1) best = Math.min(best, Math.hypot(p[0] - edges[0]![0], p[1] - edges[0]![1]));
      }
    }
  }
  return best;
}

/**
 * Distance in metres from a point or an area to a jurisdiction: 0 when the point is inside (or on
 * the border) or the area intersects it, else the shortest distance between their outlines,
 * measured in a local metric frame around the point (exact enough for tens of kilometres).
 *
 * @example
 * distanceToJurisdictionM(linping, { type: 'Point', coordinates: [120.30, 30.55] }) // metres
 */
export function distanceToJurisdictionM(j: Jurisdiction, where: Point | Polygon): number {
  if (where.type === 'Point') {
    if (booleanPointInPolygon(where.coordinates, j.area)) return 0;
  } else if (booleanIntersects(where, j.area)) {
    return 0;
  }
  const origin: Position = where.type === 'Point' ? where.coordinates : where.coordinates[0]![0]!;
  const frame = localMetricFrame(origin);
  const project = (rings: Position[][]) => rings.map((ring) => ring.map((p) => frame.toMetres(p)));
  const a = where.type === 'Point' ? [[frame.toMetres(where.coordinates)]] : project(where.coordinates);
  const b = (j.area.type === 'Polygon' ? [j.area.coordinates] : j.area.coordinates).flatMap(project);
  // Two disjoint outlines are nearest at a vertex of one and an edge of the other.
  return Math.min(vertexToEdges(a, b), vertexToEdges(b, a));
}

/**
 * Stations a new task targets by default: those whose jurisdiction contains the location (a Point;
 * on a shared border every station of it) or intersects the area (a Polygon), in the given order;
 * then every other station whose jurisdiction lies within radiusM of it, nearest first (ties in
 * the given order); never the raising station.
 *
 * @example
 * defaultTargetStations(jurisdictions, { type: 'Point', coordinates: [120.2954, 30.5222] }, 5000, 'deqing-yuyue')
 * // ['linping-yunhe', 'tongxiang-zhouquan']
 */
export function defaultTargetStations(
  jurisdictions: readonly Jurisdiction[],
  where: Point | Polygon,
  radiusM: number,
  raisingStationId: string | null,
): string[] {
  const inside: string[] = [];
  const near: Array<{ stationId: string; distance: number; order: number }> = [];
  const seen = new Set<string>();
  jurisdictions.forEach((j, order) => {
    if (j.stationId === raisingStationId || seen.has(j.stationId)) return;
    const distance = distanceToJurisdictionM(j, where);
    if (distance === 0) {
      seen.add(j.stationId);
      inside.push(j.stationId);
    } else if (distance <= radiusM) {
      near.push({ stationId: j.stationId, distance, order });
    }
  });
  near.sort((p, q) => p.distance - q.distance || p.order - q.order);
  for (const n of near) {
    if (seen.has(n.stationId)) continue;
    seen.add(n.stationId);
    inside.push(n.stationId);
  }
  return inside;
}
