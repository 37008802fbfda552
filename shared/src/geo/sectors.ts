import {
  area as turfArea,
  bboxClip,
  booleanPointInPolygon,
  centroid,
  difference,
  feature,
  featureCollection,
  intersect,
} from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import type { Jurisdiction } from './jurisdiction.ts';
import { localMetricFrame, type LocalMetricFrame } from './local-frame.ts';

/** A proposed search sector. */
export interface NamedSector {
  /** As searchers say it on the radio: `A1`, `B3`, `A1b`; or `A`, `B` for jurisdiction sectors. */
  name: string;
  polygon: Polygon;
  /** The station whose jurisdiction the sector lies in (jurisdiction sectors only). */
  stationId?: string;
}

/** Most cells a grid may have over the area's bounding box. */
export const MAX_GRID_CELLS = 400;
/** A clipped piece smaller than this share of a full cell is a sliver and dropped. */
const GRID_SLIVER = 0.02;
/** A jurisdiction piece smaller than this share of the area is a border sliver and dropped. */
const JURISDICTION_SLIVER = 0.001;

/** Spreadsheet-style letters: 0 → A, 25 → Z, 26 → AA. */
export function sectorLetters(index: number): string {
  let n = index;
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** The polygons of a Polygon or MultiPolygon geometry (null: none). */
function pieces(geometry: Polygon | MultiPolygon | null | undefined): Polygon[] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry];
  return geometry.coordinates.map((coordinates) => ({ type: 'Polygon', coordinates }));
}

/** [west, south, east, north] in degrees. */
type Box = [number, number, number, number];
/** An edge of the area: [lng, lat] of its two ends. */
type Edge = readonly [Position, Position];

/** Cells are grown by this (~0.1 mm) for the edge test, so an edge on a cell's border counts. */
const BOX_EPS_DEG = 1e-9;
/** Edges are listed in the cells within this of their bbox (more than BOX_EPS_DEG, in metres). */
const INDEX_EPS_M = 1e-3;

/**
 * Per grid cell (row-major), the area's edges (of every ring) whose bbox may reach it: cheap to
 * build (an edge spans one or two cells of a real area) and a superset of the edges meeting it.
 */
function edgesPerCell(area: Polygon, frame: LocalMetricFrame, cellM: number, rows: number, cols: number): Edge[][] {
  const out: Edge[][] = Array.from({ length: rows * cols }, () => []);
  const clamp = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));
  for (const ring of area.coordinates) {
    for (let i = 1; i < ring.length; i++) {
      const a = ring[i - 1]!;
      const b = ring[i]!;
      const [ax, ay] = frame.toMetres(a);
      const [bx, by] = frame.toMetres(b);
      // Columns count east from the west edge, rows south from the north edge (y ≤ 0).
      const c0 = clamp(Math.floor((Math.min(ax, bx) - INDEX_EPS_M) / cellM), cols);
      const c1 = clamp(Math.floor((Math.max(ax, bx) + INDEX_EPS_M) / cellM), cols);
      const r0 = clamp(Math.floor((-Math.max(ay, by) - INDEX_EPS_M) / cellM), rows);
      const r1 = clamp(Math.floor((-Math.min(ay, by) + INDEX_EPS_M) / cellM), rows);
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out[r * cols + c]!.push([a, b]);
    }
  }
  return out;
}

/** Whether the segment meets the closed box (Liang–Barsky: the part of it inside is not empty). */
function segmentMeetsBox([a, b]: Edge, box: Box): boolean {
  let lo = 0;
  let hi = 1;
  for (let axis = 0; axis < 2; axis++) {
    const p = a[axis]!;
    const d = b[axis]! - p;
    const min = box[axis]!;
    const max = box[axis + 2]!;
    if (d === 0) {
      if (p < min || p > max) return false;
      continue;
    }
    const t1 = (min - p) / d;
    const t2 = (max - p) / d;
    lo = Math.max(lo, Math.min(t1, t2));
    hi = Math.min(hi, Math.max(t1, t2));
    if (lo > hi) return false;
  }
  return true;
}

/**
 * The area cut down to a box, ring by ring (Sutherland–Hodgman, `bboxClip`): the same shape
 * inside the box, but only the few vertices near it, so the exact intersection that follows is
 * cheap. Its outline may run back and forth along the box's border where the area leaves and
 * re-enters it; the intersection with the cell resolves that. Null when the outer ring misses the box.
 */
function clipToBox(area: Polygon, box: Box): Polygon | null {
  const rings: Position[][] = [];
  for (const [i, ring] of area.coordinates.entries()) {
    const piece: Polygon = { type: 'Polygon', coordinates: [ring] };
    // bboxClip keeps the geometry type of what it clips.
    const clipped = (bboxClip(piece, box) as Feature<Polygon>).geometry.coordinates[0];
    if (clipped) rings.push(clipped);
    else if (i === 0) return null;
  }
  return { type: 'Polygon', coordinates: rings };
}

/**
 * Square grid of cellM × cellM metres over the area, each cell clipped to the area; cells that
 * fall outside or are slivers (< 2 % of a cell) are dropped; a cell split in pieces gives one sector
 * per piece. Named like searchers say them on the radio: row letter from the north + column number
 * from the west (A1, A2 … B1 …; pieces A1a, A1b from west to east). The grid starts at the north-west
 * corner of the area's bounding box. Throws RangeError when cellM is not positive or too small for
 * the area (more than 400 cells over its bounding box).
 *
 * @example
 * gridSectors(searchArea, 500).map((s) => s.name) // ['A1', 'A2', 'B1', …]
 */
export function gridSectors(area: Polygon, cellM: number): NamedSector[] {
  if (!(cellM > 0) || !Number.isFinite(cellM)) throw new RangeError('cell size must be positive');
  const outer = area.coordinates[0] ?? [];
  if (outer.length < 4) return [];
  const west = outer.reduce((m, p) => Math.min(m, p[0]!), Infinity);
  const east = outer.reduce((m, p) => Math.max(m, p[0]!), -Infinity);
  const south = outer.reduce((m, p) => Math.min(m, p[1]!), Infinity);
  const north = outer.reduce((m, p) => Math.max(m, p[1]!), -Infinity);
  const frame = localMetricFrame([west, north]);
  const [width, minusHeight] = frame.toMetres([east, south]);
  // A hair of tolerance so an area of exactly n cells does not grow an empty n+1th.
  const cols = Math.max(1, Math.ceil(width / cellM - 1e-9));
  const rows = Math.max(1, Math.ceil(-minusHeight / cellM - 1e-9));
  if (rows * cols > MAX_GRID_CELLS) {
    throw new RangeError(`a ${cellM} m grid needs ${rows * cols} cells here (at most ${MAX_GRID_CELLS})`);
  }
  const edgesByCell = edgesPerCell(area, frame, cellM, rows, cols);
  const sectors: NamedSector[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [x0, y0] = frame.toLngLat(c * cellM, -(r + 1) * cellM);
      const [x1, y1] = frame.toLngLat((c + 1) * cellM, -r * cellM);
      const cell: Polygon = {
        type: 'Polygon',
        coordinates: [
          [
            [x0, y0],
            [x1, y0],
            [x1, y1],
            [x0, y1],
            [x0, y0],
          ],
        ],
      };
      const name = `${sectorLetters(r)}${c + 1}`;
      const box: Box = [x0 - BOX_EPS_DEG, y0 - BOX_EPS_DEG, x1 + BOX_EPS_DEG, y1 + BOX_EPS_DEG];
      if (!(edgesByCell[r * cols + c] ?? []).some((e) => segmentMeetsBox(e, box))) {
        // No edge of the area (outer ring or hole) meets the cell: it lies wholly inside or outside.
        if (booleanPointInPolygon([(x0 + x1) / 2, (y0 + y1) / 2], area)) sectors.push({ name, polygon: cell });
        continue;
      }
      const local = clipToBox(area, [x0, y0, x1, y1]);
      if (local === null) continue;
      const minArea = GRID_SLIVER * turfArea(cell);
      const kept = pieces(intersect(featureCollection([feature(cell), feature(local)]))?.geometry)
        .filter((p) => turfArea(p) >= minArea)
        .map((p) => ({ p, at: centroid(p).geometry.coordinates }))
        .sort((a, b) => a.at[0]! - b.at[0]! || b.at[1]! - a.at[1]!);
      kept.forEach(({ p }, i) =>
        sectors.push({ name: kept.length > 1 ? `${name}${sectorLetters(i).toLowerCase()}` : name, polygon: p }),
      );
    }
  }
  return sectors;
}

/**
 * The area split along station jurisdictions: one sector per station piece, named A, B, C … in
 * station order (a station's pieces largest first) with stationId set. Where jurisdictions overlap,
 * the earlier station takes the overlap; what lies outside every jurisdiction follows as sectors
 * without stationId. Pieces under 0.1 % of the area (border slivers) are dropped.
 *
 * @example
 * jurisdictionSectors(searchArea, jurisdictions) // [{name: 'A', stationId: 'deqing-yuyue', …}, …]
 */
export function jurisdictionSectors(area: Polygon, jurisdictions: readonly Jurisdiction[]): NamedSector[] {
  const minArea = JURISDICTION_SLIVER * turfArea(area);
  let remaining: Feature<Polygon | MultiPolygon> | null = feature(area);
  const found: Array<{ polygon: Polygon; stationId?: string }> = [];
  const keep = (geometry: Polygon | MultiPolygon | undefined, stationId?: string) => {
    const sized = pieces(geometry)
      .map((polygon) => ({ polygon, size: turfArea(polygon) }))
      .filter((p) => p.size >= minArea)
      .sort((a, b) => b.size - a.size);
    for (const { polygon } of sized) found.push(stationId === undefined ? { polygon } : { polygon, stationId });
  };
  for (const j of jurisdictions) {
    if (remaining === null) break;
    const jf = feature(j.area);
    keep(intersect(featureCollection([remaining, jf]))?.geometry, j.stationId);
    remaining = difference(featureCollection([remaining, jf]));
  }
  keep(remaining?.geometry);
  return found.map((s, i) => ({ name: sectorLetters(i), ...s }));
}
