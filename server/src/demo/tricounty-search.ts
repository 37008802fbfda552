import { TRICOUNTY_JUNCTION } from './sim-engine.ts';
import {
  area as turfArea,
  bbox,
  bboxClip,
  booleanPointInPolygon,
  centroid,
  circle,
  distance,
  feature,
  featureCollection,
  union,
} from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import {
  gridSectors,
  lngLat,
  searchAreaFromLastKnown,
  searchRadiusM,
  type Jurisdiction,
  type PointGeometry,
  type PolygonGeometry,
  type Search,
  type Sector,
} from '@jointmap/shared';

/*
 * The search the commander sets up in the tri-county story: area, sectors, who sweeps what.
 */

/** Where the three districts meet: the man's last-known point (WGS-84). */
export const LAST_KNOWN: [number, number] = TRICOUNTY_JUNCTION;
/** How long before the report he was last seen (sets the search radius at tricycle speed). */
const LAST_SEEN_AGO_MS = 10 * 60_000;
// About twenty sectors of 800 m over the 2 km circle, so the units' sweeps visibly raise their
// sectors' coverage within the few minutes the story lasts.
const SECTOR_CELL_M = 800;
/** A patrol searching from the road, looking both ways. */
const SWEEP_WIDTH_M = 100;

/** A GeoJSON point record field from a WGS-84 pair. */
export const point = (p: readonly [number, number]): PointGeometry => ({
  type: 'Point',
  coordinates: [p[0], p[1]],
});
/** Turf's polygons hold `Position[]` rings; ours are the same [lng, lat] pairs, typed as such. */
const polygon = (p: Polygon): PolygonGeometry => p as PolygonGeometry;

/** The station whose jurisdiction holds most of the polygon (sampled on a 5 × 5 grid). */
function stationHoldingMost(polygon: Polygon, jurisdictions: readonly Jurisdiction[]): string | null {
  const ring = polygon.coordinates[0]!;
  const xs = ring.map((p) => p[0]!);
  const ys = ring.map((p) => p[1]!);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const votes = new Map<string, number>();
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const p: [number, number] = [minX + ((maxX - minX) * (i + 0.5)) / 5, minY + ((maxY - minY) * (j + 0.5)) / 5];
      if (!booleanPointInPolygon(p, polygon)) continue;
      const holder = jurisdictions.find((jd) => booleanPointInPolygon(p, jd.area));
      if (holder) votes.set(holder.stationId, (votes.get(holder.stationId) ?? 0) + 1);
    }
  }
  let best: string | null = null;
  for (const [station, n] of votes) if (best === null || n > votes.get(best)!) best = station;
  return best ?? jurisdictions.find((jd) => booleanPointInPolygon(centroid(polygon), jd.area))?.stationId ?? null;
}

/** Gaps between neighbouring county outlines smaller than this are not holes in the area (m²). */
const SLIVER_M2 = 50_000;

/**
 * The union of the jurisdictions around the last-known point (within `radiusM`), without the
 * slivers that imperfect county outlines leave between neighbours. Clipping each outline to the
 * neighbourhood first keeps the union fast (the whole counties take seconds).
 */
function operationArea(jurisdictions: readonly Jurisdiction[], radiusM: number): Polygon | MultiPolygon | null {
  const near = bbox(circle(LAST_KNOWN, radiusM * 1.1, { units: 'meters' }));
  // bboxClip keeps the geometry type of what it clips: polygons stay polygons.
  const pieces = jurisdictions.map((j) => bboxClip(feature(j.area), near) as Feature<Polygon | MultiPolygon>);
  const merged = pieces.length > 1 ? union(featureCollection(pieces))?.geometry : pieces[0]?.geometry;
  if (!merged) return null;
  const solid = (rings: Position[][]) => rings.filter((r, i) => i === 0 || turfArea(polygonOf([r])) >= SLIVER_M2);
  if (merged.type === 'Polygon') return { type: 'Polygon', coordinates: solid(merged.coordinates) };
  return { type: 'MultiPolygon', coordinates: merged.coordinates.map((p) => solid(p)) };
}

const polygonOf = (coordinates: Position[][]): Polygon => ({ type: 'Polygon', coordinates });

/**
 * The search record and its sectors: the area a tricycle may have covered since he was last seen,
 * clipped to the three jurisdictions, split into a ~1.2 km grid; each sector goes to the station
 * holding most of it, and each dispatched unit gets the nearest free sector of its own station.
 * A unit joins its station's units there (`stationWide`), as the console's `assignSector` writes a
 * unit added to a station's sector: the station's other units still sweep it too.
 */
export function planSearch(
  ids: { taskId: string; searchId: string; taskStationId: string },
  jurisdictions: readonly Jurisdiction[],
  units: ReadonlyArray<{ id: string; stationId: string; near: [number, number] }>,
  createdBy: string,
  now: number,
): { search: Search; sectors: Sector[] } {
  const area = searchAreaFromLastKnown(
    lngLat(...LAST_KNOWN),
    LAST_SEEN_AGO_MS,
    'bicycle',
    operationArea(jurisdictions, searchRadiusM(LAST_SEEN_AGO_MS, 'bicycle')),
  );
  const cells = gridSectors(area, SECTOR_CELL_M).map((c) => ({
    ...c,
    stationId: stationHoldingMost(c.polygon, jurisdictions),
    at: centroid(c.polygon).geometry.coordinates as [number, number],
    unitIds: [] as string[],
  }));
  for (const u of units) {
    const free = cells
      .filter((c) => c.stationId === u.stationId && c.unitIds.length === 0)
      .sort((a, b) => distance(a.at, u.near) - distance(b.at, u.near));
    free[0]?.unitIds.push(u.id);
  }
  const search: Search = {
    id: ids.searchId,
    taskId: ids.taskId,
    taskStationId: ids.taskStationId,
    name: '走失老人联合搜寻',
    area: polygon(area),
    lastKnown: point(LAST_KNOWN),
    lastSeenAt: now - LAST_SEEN_AGO_MS,
    travelMode: 'bicycle',
    status: 'active',
    found: null,
    createdBy,
    createdAt: now,
    updatedAt: now,
  };
  const sectors = cells.map((c): Sector => ({
    id: `${ids.searchId}-${c.name}`,
    name: c.name,
    taskId: ids.taskId,
    polygon: polygon(c.polygon),
    assignedStationId: c.stationId,
    assignedUnitIds: c.unitIds,
    ...(c.stationId && c.unitIds.length ? { stationWide: true } : {}),
    status: c.unitIds.length ? 'searching' : c.stationId ? 'assigned' : 'unassigned',
    sweepWidthM: SWEEP_WIDTH_M,
    searchId: ids.searchId,
    assignedAt: now,
    updatedAt: now,
  }));
  return { search, sectors };
}
