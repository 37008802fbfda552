import { randomBytes } from 'node:crypto';
import { simplify } from '@turf/turf';
import gcoord from 'gcoord';
import type { FeatureCollection, GeoJsonProperties, Position } from 'geojson';
import { annotationKind, explainRecord, type Annotation } from '@jointmap/shared';

export type ImportCrs = 'wgs84' | 'gcj02';

export interface ConvertOptions {
  crs: ImportCrs;
  author: string;
  now: number;
  /** Colour of features that carry none (the target document's). */
  defaultColor: string;
}

export interface Converted {
  annotations: Annotation[];
  /** Parts that could not become annotations, by reason. */
  skipped: Record<string, number>;
  /** Lines and rings thinned to the 10,000 points an annotation holds. */
  simplified: number;
  /** WGS-84 [west, south, east, north] of what is imported; null when nothing is. */
  bbox: [number, number, number, number] | null;
}

const MAX_POINTS = 10_000;
const MAX_RINGS = 100;

/**
 * Features of another tool as annotations of ours: points, lines and polygons (multi-geometries
 * and collections split into their parts, heights dropped, rings closed), labelled from `name`,
 * `title` or `label`, coloured from `stroke`, `marker-color` or `fill` (KML styles and CalTopo
 * properties alike), in WGS-84 (GCJ-02 sources converted with gcoord). Every annotation is checked
 * against the record schema; what fails is counted as skipped with its reason, never written.
 */
export function convertFeatures(collection: FeatureCollection, o: ConvertOptions): Converted {
  const prefix = `imp-${randomBytes(4).toString('hex')}`;
  const out: Converted = { annotations: [], skipped: {}, simplified: 0, bbox: null };
  const skip = (reason: string) => (out.skipped[reason] = (out.skipped[reason] ?? 0) + 1);
  for (const feature of collection.features ?? []) {
    if (!feature || typeof feature !== 'object') {
      skip('not a feature');
      continue;
    }
    const parts = flatten(feature.geometry);
    if (!parts.length) skip('no geometry');
    for (const part of parts) {
      if (part === MALFORMED) {
        skip('malformed geometry');
        continue;
      }
      const geometry = toWgs84(part, o.crs, () => out.simplified++);
      if (!geometry) {
        skip('coordinates out of range');
        continue;
      }
      const kind = geometry.type === 'Point' ? 'point' : geometry.type === 'LineString' ? 'line' : 'polygon';
      const annotation = {
        id: `${prefix}-${out.annotations.length + 1}`,
        kind,
        geometry,
        label: labelOf(feature.properties),
        color: colorOf(feature.properties) ?? o.defaultColor,
        author: o.author,
        createdAt: o.now,
        updatedAt: o.now,
      } as Annotation;
      const problem = explainRecord(annotationKind, annotation, annotation.id);
      if (problem) {
        skip(problem.replace(/^\/?[^:]*: /, ''));
        continue;
      }
      out.annotations.push(annotation);
      extend(out, geometry.coordinates);
    }
  }
  return out;
}

type Part =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] };

/** A part whose coordinates are not what its type says (`null`, a number, a string, a hole). */
const MALFORMED = 'malformed';

/** Collections nested deeper than this are refused rather than followed (the stack is finite). */
const MAX_NESTING = 8;

/**
 * A geometry's parts, multi-geometries and collections split, each checked for the shape its type
 * needs: files from other tools are untrusted JSON, so `coordinates` may be anything.
 */
function flatten(g: unknown, depth = 0): Array<Part | typeof MALFORMED> {
  if (g === null || g === undefined) return [];
  if (typeof g !== 'object') return [MALFORMED];
  const { type, coordinates: c, geometries } = g as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  const each = <T>(value: unknown, ok: (v: unknown) => v is T, part: (v: T) => Part): Array<Part | typeof MALFORMED> =>
    Array.isArray(value) ? value.map((v) => (ok(v) ? part(v) : MALFORMED)) : [MALFORMED];
  switch (type) {
    case 'Point':
      return [isPosition(c) ? { type, coordinates: c } : MALFORMED];
    case 'LineString':
      return [isLine(c) ? { type, coordinates: c } : MALFORMED];
    case 'Polygon':
      return [isRings(c) ? { type, coordinates: c } : MALFORMED];
    case 'MultiPoint':
      return each(c, isPosition, (coordinates) => ({ type: 'Point', coordinates }));
    case 'MultiLineString':
      return each(c, isLine, (coordinates) => ({ type: 'LineString', coordinates }));
    case 'MultiPolygon':
      return each(c, isRings, (coordinates) => ({ type: 'Polygon', coordinates }));
    case 'GeometryCollection':
      return Array.isArray(geometries) && depth < MAX_NESTING
        ? geometries.flatMap((x: unknown) => flatten(x, depth + 1))
        : [MALFORMED];
    default:
      return [];
  }
}

const isPosition = (p: unknown): p is Position =>
  Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number';
const isLine = (ps: unknown): ps is Position[] => Array.isArray(ps) && ps.every(isPosition);
const isRings = (rs: unknown): rs is Position[][] => Array.isArray(rs) && rs.every(isLine);

/** A part in WGS-84 2D with closed rings and at most 10,000 points a line or ring; null when out of range. */
function toWgs84(part: Part, crs: ImportCrs, onSimplified: () => void): Part | null {
  const point = (p: Position): [number, number] | null => {
    const [lng, lat] = [Number(p[0]), Number(p[1])];
    if (!Number.isFinite(lng) || !Number.isFinite(lat) || Math.abs(lng) > 180 || Math.abs(lat) > 90) return null;
    const [x, y] =
      crs === 'gcj02' ? (gcoord.transform([lng, lat], gcoord.GCJ02, gcoord.WGS84) as number[]) : [lng, lat];
    return [round7(x!), round7(y!)];
  };
  const line = (ps: Position[], ring: boolean): Position[] | null => {
    const out: Position[] = [];
    for (const p of ps) {
      const q = point(p);
      if (!q) return null;
      if (!out.length || out.at(-1)![0] !== q[0] || out.at(-1)![1] !== q[1]) out.push(q);
    }
    if (ring && out.length && (out[0]![0] !== out.at(-1)![0] || out[0]![1] !== out.at(-1)![1])) out.push(out[0]!);
    return out.length > MAX_POINTS ? thin(out, ring, onSimplified) : out;
  };
  switch (part.type) {
    case 'Point': {
      const p = point(part.coordinates);
      return p ? { type: 'Point', coordinates: p } : null;
    }
    case 'LineString': {
      const ps = line(part.coordinates, false);
      return ps ? { type: 'LineString', coordinates: ps } : null;
    }
    case 'Polygon': {
      const rings = part.coordinates.slice(0, MAX_RINGS).map((r) => line(r, true));
      return rings.every((r) => r) ? { type: 'Polygon', coordinates: rings as Position[][] } : null;
    }
  }
}

/** Douglas–Peucker (turf) with a growing tolerance until the line fits an annotation. */
function thin(ps: Position[], ring: boolean, onSimplified: () => void): Position[] {
  onSimplified();
  for (let tolerance = 1e-6; ; tolerance *= 2) {
    const g = ring
      ? simplify({ type: 'Polygon', coordinates: [ps] }, { tolerance }).coordinates[0]!
      : simplify({ type: 'LineString', coordinates: ps }, { tolerance }).coordinates;
    if (g.length <= MAX_POINTS) return g;
  }
}

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

function labelOf(p: GeoJsonProperties): string {
  const value = [p?.name, p?.title, p?.label, p?.Name].find((v) => typeof v === 'string' && v.trim());
  return typeof value === 'string' ? value.trim().slice(0, 200) : '';
}

/** `#rrggbb` from a style property (`#RGB`, `RRGGBB` as CalTopo writes it, any case). */
function colorOf(p: GeoJsonProperties): string | null {
  for (const key of ['stroke', 'marker-color', 'fill', 'color']) {
    const raw = p?.[key];
    if (typeof raw !== 'string') continue;
    const hex = raw.trim().replace(/^#/, '');
    if (/^[0-9a-fA-F]{6}$/.test(hex)) return `#${hex.toLowerCase()}`;
    if (/^[0-9a-fA-F]{3}$/.test(hex))
      return `#${[...hex]
        .map((c) => c + c)
        .join('')
        .toLowerCase()}`;
  }
  return null;
}

function extend(out: Converted, coordinates: unknown): void {
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      const b = out.bbox ?? [x, y, x, y];
      out.bbox = [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(coordinates);
}
