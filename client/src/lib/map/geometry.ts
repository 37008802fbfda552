import type { Annotation } from '@jointmap/shared';

/** WGS-84 [lng, lat] as stored in records (GeoJSON order). */
export type Position = [number, number];
type Geometry = Annotation['geometry'];

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

/** Great-circle distance in metres between two WGS-84 positions. */
export function distanceM(a: Position, b: Position): number {
  const dLat = rad(b[1] - a[1]);
  const dLng = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The point `distance` metres from `origin` on bearing `bearingDeg` (clockwise from north). */
export function destination(origin: Position, distance: number, bearingDeg: number): Position {
  const d = distance / EARTH_RADIUS_M;
  const b = rad(bearingDeg);
  const lat1 = rad(origin[1]);
  const lng1 = rad(origin[0]);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lng2 =
    lng1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return [round(deg(lng2)), round(deg(lat2))];
}

/** A circle as a closed polygon ring of `steps` vertices (for drawing; records keep centre + radius). */
export function circleRing(center: Position, radiusM: number, steps = 64): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < steps; i++) ring.push(destination(center, radiusM, (360 * i) / steps));
  ring.push(ring[0]!);
  return ring;
}

/** Seven decimals is ~1 cm: enough, and keeps records small and comparable. */
export function round(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

export function pos(lng: number, lat: number): Position {
  return [round(Math.max(-180, Math.min(180, lng))), round(Math.max(-90, Math.min(90, lat)))];
}

/** Move a whole geometry by a longitude/latitude delta. */
export function translate(g: Geometry, dLng: number, dLat: number): Geometry {
  const move = (p: readonly number[]): Position => pos(p[0]! + dLng, p[1]! + dLat);
  switch (g.type) {
    case 'Point':
      return { type: 'Point', coordinates: move(g.coordinates) };
    case 'LineString':
      return { type: 'LineString', coordinates: g.coordinates.map(move) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: g.coordinates.map((ring) => ring.map(move)) };
  }
}

/** The editable vertices of a geometry (a polygon's closing vertex is not its own handle). */
export function vertices(g: Geometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [[g.coordinates[0], g.coordinates[1]]];
    case 'LineString':
      return g.coordinates.map((p) => [p[0], p[1]]);
    case 'Polygon':
      return (g.coordinates[0] ?? []).slice(0, -1).map((p) => [p[0], p[1]]);
  }
}

/** Replace vertex `index` (of the outer ring for polygons, keeping the ring closed). */
export function moveVertex(g: Geometry, index: number, to: Position): Geometry {
  switch (g.type) {
    case 'Point':
      return { type: 'Point', coordinates: to };
    case 'LineString':
      return { type: 'LineString', coordinates: g.coordinates.map((p, i) => (i === index ? to : p)) };
    case 'Polygon': {
      const outer = (g.coordinates[0] ?? []).slice(0, -1).map((p, i) => (i === index ? to : p));
      return { type: 'Polygon', coordinates: [[...outer, outer[0]!], ...g.coordinates.slice(1)] };
    }
  }
}

/** A closed polygon from its open list of vertices. */
export function polygonOf(open: Position[]): Geometry {
  return { type: 'Polygon', coordinates: [[...open, open[0]!]] };
}

/** [west, south, east, north] of every position in a GeoJSON geometry tree. */
export function bboxOf(
  coords: unknown,
  into: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity],
): [number, number, number, number] {
  if (Array.isArray(coords) && typeof coords[0] === 'number') {
    const [x, y] = coords as number[];
    into[0] = Math.min(into[0], x!);
    into[1] = Math.min(into[1], y!);
    into[2] = Math.max(into[2], x!);
    into[3] = Math.max(into[3], y!);
  } else if (Array.isArray(coords)) {
    for (const c of coords) bboxOf(c, into);
  }
  return into;
}

/** The bounding box of an operation's jurisdictions, or null when there is nothing to fit. */
export function jurisdictionBounds(jurisdictions: GeoJSON.FeatureCollection): [number, number, number, number] | null {
  const b = bboxOf(jurisdictions.features.map((f) => (f.geometry as { coordinates?: unknown } | null)?.coordinates));
  return Number.isFinite(b[0]) ? b : null;
}

/**
 * A label point inside a (multi)polygon: the area-weighted centroid of its largest outer ring,
 * good enough for the compact county shapes we label.
 */
export function labelPoint(geometry: { type: string; coordinates: unknown }): Position {
  const polys = (geometry.type === 'MultiPolygon' ? geometry.coordinates : [geometry.coordinates]) as number[][][][];
  let best: Position = [0, 0];
  let bestArea = -1;
  for (const poly of polys) {
    const ring = poly[0];
    if (!ring) continue;
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < ring.length - 1; i++) {
      const [x0, y0] = ring[i] as [number, number];
      const [x1, y1] = ring[i + 1] as [number, number];
      const f = x0 * y1 - x1 * y0;
      a += f;
      cx += (x0 + x1) * f;
      cy += (y0 + y1) * f;
    }
    if (Math.abs(a) > bestArea) {
      bestArea = Math.abs(a);
      best = [cx / (3 * a), cy / (3 * a)];
    }
  }
  return best;
}

/**
 * A WGS-84 position as the product shows it everywhere: longitude first, then latitude (GeoJSON
 * order), five decimals (about a metre).
 *
 * @example
 * formatLngLat([120.2954, 30.5222]) // '120.29540, 30.52220'
 */
export function formatLngLat(p: readonly number[]): string {
  return `${(p[0] ?? NaN).toFixed(5)}, ${(p[1] ?? NaN).toFixed(5)}`;
}
