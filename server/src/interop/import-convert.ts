import { randomBytes } from 'node:crypto';
import type { FeatureCollection, GeoJsonProperties, Position } from 'geojson';
// Modules of shared/ by path, not its index: this runs on an import worker, which loads only what it needs.
import { AppError } from '@jointmap/shared/errors';
import { gcj02ToWgs84 } from '@jointmap/shared/geo/gcj02';
import { annotationKind, type Annotation } from '@jointmap/shared/schema/annotation';
import { explainRecord } from '@jointmap/shared/schema/record-kind';
import { circleRing } from '../geo/circle-ring.ts';
import { thinLine } from './thin-line.ts';

export type ImportCrs = 'wgs84' | 'gcj02';

export interface ConvertOptions {
  crs: ImportCrs;
  author: string;
  now: number;
  /** Colour of features that carry none (the target document's). */
  defaultColor: string;
  /** Most annotations one import makes: one more refuses the file (`PAYLOAD_TOO_LARGE`) at once. */
  maxAnnotations: number;
}

export interface Converted {
  annotations: Annotation[];
  /**
   * What of the file is not imported, by reason: parts that could not become annotations, and of
   * those imported the rings of a polygon past its 100th and the end of a label past 200 characters.
   */
  skipped: Record<string, number>;
  /** Lines and rings thinned to the 10,000 points an annotation holds. */
  simplified: number;
  /** WGS-84 [west, south, east, north] of what is imported; null when nothing is. */
  bbox: [number, number, number, number] | null;
}

const MAX_POINTS = 10_000;
const MAX_RINGS = 100;
/** The record schema's bound on a label. */
const MAX_LABEL = 200;
/** The record schema's bound on a symbol. */
const MAX_SYMBOL = 40;
const KIND_OF = { Point: 'point', LineString: 'line', Polygon: 'polygon' } as const;
/** The largest circle an annotation holds (the record schema's bound on `radiusM`). */
const MAX_RADIUS_M = 200_000;

/**
 * Features of another tool as annotations of ours: points, lines and polygons (multi-geometries
 * and collections split into their parts, heights dropped, rings closed), labelled from `name`,
 * `title`, `label` or `NAME`, coloured from `stroke`, `marker-color`, `icon-color` or `fill` (KML styles
 * and CalTopo properties alike), in WGS-84 (GCJ-02 sources converted by `gcj02ToWgs84`). A polygon with
 * `kind: "circle"` and a `radiusM` (our own export) becomes a circle again, a labelled point with
 * `kind: "text"` a text again; a `symbol` (a search marker's) is kept. KML ground overlays
 * (pictures draped on the map) and network links are skipped: they are not drawings. Every annotation is checked against the record schema; what
 * fails is counted as skipped with its reason, never written. What an annotation cannot hold is
 * counted too: rings of a polygon past its 100th (one each), holes that collapse to fewer than 4
 * points (dropped, the polygon kept) and labels cut to 200 characters.
 * More than `maxAnnotations` refuses the file as soon as it is reached.
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
    const source = feature.properties?.['@geometry-type'];
    if (source === 'groundoverlay') {
      skip('ground overlay');
      continue;
    }
    if (source === 'networklink') {
      skip('network link');
      continue;
    }
    const parts = flatten(feature.geometry);
    if (!parts.length) skip('no geometry');
    for (const part of parts) {
      if (part === MALFORMED) {
        skip('malformed geometry');
        continue;
      }
      let holesDropped = 0;
      const shape = toWgs84(
        part,
        o.crs,
        () => out.simplified++,
        () => holesDropped++,
      );
      if (!shape) {
        skip('coordinates out of range');
        continue;
      }
      // Our circles come as a ring of 36 steps; a ring of fewer than three vertices has no centre.
      const outer = shape.type === 'Polygon' ? shape.coordinates[0] : undefined;
      const radiusM = outer && outer.length >= 4 ? circleRadiusOf(feature.properties) : null;
      const centre = outer && radiusM !== null ? centreOf(outer) : null;
      const geometry: Part = centre ?? shape;
      const fullLabel = labelOf(feature.properties);
      const label = cutLabel(fullLabel);
      const symbol = symbolOf(feature.properties);
      const kind =
        radiusM !== null
          ? 'circle'
          : geometry.type === 'Point' && feature.properties?.kind === 'text' && label
            ? 'text'
            : KIND_OF[geometry.type];
      const annotation = {
        id: `${prefix}-${out.annotations.length + 1}`,
        kind,
        geometry,
        ...(radiusM !== null ? { radiusM } : {}),
        label,
        color: colorOf(feature.properties) ?? o.defaultColor,
        ...(symbol ? { symbol } : {}),
        author: o.author,
        // A search marker keeps when it was marked (a found marker's time is when the person was
        // found, and one from before a search is not that search's find); drawings date from now.
        createdAt: symbol ? markedAt(feature.properties, o.now) : o.now,
        updatedAt: o.now,
      } as Annotation;
      const problem = explainRecord(annotationKind, annotation, annotation.id);
      if (problem) {
        skip(problem.replace(/^\/?[^:]*: /, ''));
        continue;
      }
      if (out.annotations.length >= o.maxAnnotations)
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `more than ${o.maxAnnotations} features: at most ${o.maxAnnotations} are imported at once`,
        );
      out.annotations.push(annotation);
      // Holes and label ends lost are told, as parts skipped are (counted once imported).
      const rings = part.type === 'Polygon' && radiusM === null ? part.coordinates.length : 0;
      for (let i = MAX_RINGS; i < rings; i++) skip('polygon ring past the 100th');
      for (let i = 0; i < holesDropped; i++) skip('polygon hole of fewer than 4 points');
      if (label.length < fullLabel.length) skip('label cut to 200 characters');
      // A circle's extent is its ring's, not its centre's (the preview fits the map to it).
      extend(out, centre && radiusM !== null ? circleRing(...centre.coordinates, radiusM) : geometry.coordinates);
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

/**
 * A part in WGS-84 2D with closed rings and at most 10,000 points a line or ring (`thinLine`);
 * null when out of range. A hole that rounding and de-duplication leave under the 4 points of a
 * ring is dropped (`onHoleDropped`), the polygon kept; an outer ring that collapses fails the schema.
 */
function toWgs84(part: Part, crs: ImportCrs, onSimplified: () => void, onHoleDropped: () => void): Part | null {
  const point = (p: Position): [number, number] | null => {
    const [lng, lat] = [Number(p[0]), Number(p[1])];
    if (!Number.isFinite(lng) || !Number.isFinite(lat) || Math.abs(lng) > 180 || Math.abs(lat) > 90) return null;
    const [x, y] = crs === 'gcj02' ? gcj02ToWgs84(lng, lat) : [lng, lat];
    return [round7(x), round7(y)];
  };
  const line = (ps: Position[], ring: boolean): Position[] | null => {
    const out: Position[] = [];
    for (const p of ps) {
      const q = point(p);
      if (!q) return null;
      if (!out.length || out.at(-1)![0] !== q[0] || out.at(-1)![1] !== q[1]) out.push(q);
    }
    if (ring && out.length && (out[0]![0] !== out.at(-1)![0] || out[0]![1] !== out.at(-1)![1])) out.push(out[0]!);
    if (out.length <= MAX_POINTS) return out;
    onSimplified();
    return thinLine(out, MAX_POINTS);
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
      if (!rings.every((r) => r)) return null;
      const [outer, ...holes] = rings as Position[][];
      const kept = holes.filter((h) => h.length >= MIN_RING);
      for (let i = kept.length; i < holes.length; i++) onHoleDropped();
      return { type: 'Polygon', coordinates: [outer!, ...kept] };
    }
  }
}

/**
 * The radius of a feature that says it is a circle (`kind: "circle"`, `radiusM` a number of metres
 * in the schema's range, or its text as KML's ExtendedData carries it); null for any other.
 */
function circleRadiusOf(p: GeoJsonProperties): number | null {
  if (p?.kind !== 'circle') return null;
  const raw = p.radiusM;
  const r = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() ? Number(raw) : NaN;
  return Number.isFinite(r) && r > 0 && r <= MAX_RADIUS_M ? r : null;
}

/** The centre of a circle drawn as a ring: the mean of its vertices (the closing one left out). */
function centreOf(ring: Position[]): { type: 'Point'; coordinates: [number, number] } {
  const vertices = ring.length > 1 ? ring.slice(0, -1) : ring;
  const mean = (k: 0 | 1) => round7(vertices.reduce((sum, p) => sum + p[k]!, 0) / vertices.length);
  return { type: 'Point', coordinates: [mean(0), mean(1)] };
}

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

/** Points of the smallest ring the schema takes: three corners and the closing one. */
const MIN_RING = 4;

/** The feature's label in full (cut to what a record holds by `cutLabel`). */
function labelOf(p: GeoJsonProperties): string {
  // `NAME`: ogr2ogr keeps a shapefile's field names, upper case in Chinese county and township data.
  const value = [p?.name, p?.title, p?.label, p?.Name, p?.NAME].find((v) => typeof v === 'string' && v.trim());
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * A search marker's `symbol` (`clue`, `found`) as our export writes it: any text the schema holds
 * (1–40 characters, after trimming); anything else is ignored, not refused.
 */
function symbolOf(p: GeoJsonProperties): string | undefined {
  const raw = p?.symbol;
  const symbol = typeof raw === 'string' ? raw.trim() : '';
  return symbol && symbol.length <= MAX_SYMBOL ? symbol : undefined;
}

/**
 * When a marker was made, as the file says: our export's `updatedAt`, a KML `TimeStamp` (`timestamp`
 * as `@tmcw/togeojson` reads it) or a `time`; `now` when none is given, unreadable or ahead of now.
 */
function markedAt(p: GeoJsonProperties, now: number): number {
  for (const value of [p?.updatedAt, p?.timestamp, p?.time]) {
    const at = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isFinite(at) && at > 0 && at <= now) return at;
  }
  return now;
}

/** A label cut to 200 UTF-16 units, the schema's bound, without splitting a surrogate pair. */
function cutLabel(label: string): string {
  if (label.length <= MAX_LABEL) return label;
  const high = /[\uD800-\uDBFF]/.test(label[MAX_LABEL - 1]!);
  return label.slice(0, high ? MAX_LABEL - 1 : MAX_LABEL).trimEnd();
}

/** `#rrggbb` from a style property (`#RGB`, `RRGGBB` as CalTopo writes it, any case). */
function colorOf(p: GeoJsonProperties): string | null {
  // `icon-color`: a Google Earth pin's IconStyle colour as `@tmcw/togeojson` reads it.
  for (const key of ['stroke', 'marker-color', 'icon-color', 'fill', 'color']) {
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
