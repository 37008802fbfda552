// Deep imports keep the geometry worker's bundle to Turf and these files (no Yjs, no schemas).
import type { Jurisdiction } from '@jointmap/shared/geo/jurisdiction';
import { lngLat } from '@jointmap/shared/geo/lnglat';
import { searchAreaFromLastKnown } from '@jointmap/shared/geo/search-area';
import { gridSectors, jurisdictionSectors, MAX_GRID_CELLS } from '@jointmap/shared/geo/sectors';
import type { TravelMode } from '@jointmap/shared/schema/search';
import { round, type Position } from '../map/geometry.ts';

type Polygon = GeoJSON.Polygon;
type MultiPolygon = GeoJSON.MultiPolygon;

/** A failure the UI can say in the user's language: a `search.error.*` key and its parameters. */
export interface GeometryError {
  key: string;
  params?: Record<string, string | number>;
}
export type GeometryResult<T> = { ok: true; value: T } | { ok: false; error: GeometryError };

export interface SectorProposal {
  name: string;
  polygon: Polygon;
  /** Jurisdiction sectors: the station whose area it is (assigned to it on creation). */
  stationId: string | null;
}

export type SplitHow = { how: 'grid'; cellM: number } | { how: 'jurisdiction' };

/** Holes smaller than this share of their polygon are seams between neighbouring boundaries. */
const SLIVER_HOLE_SHARE = 1e-4;
/** A record's polygon may have at most this many rings / positions per ring (schema limits). */
const MAX_RINGS = 100;
const MAX_RING_POSITIONS = 10_000;

/** Station jurisdictions as the shared geometry takes them (WGS-84, in the operation's order). */
export function jurisdictionsOf(fc: GeoJSON.FeatureCollection): Jurisdiction[] {
  const out: Jurisdiction[] = [];
  for (const f of fc.features) {
    const stationId = (f.properties as { stationId?: unknown } | null)?.stationId;
    const g = f.geometry;
    if (typeof stationId !== 'string' || !g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) continue;
    out.push({ stationId, area: g });
  }
  return out;
}

/** The operation area: every jurisdiction polygon as one MultiPolygon (null when there is none). */
export function operationArea(jurisdictions: readonly Jurisdiction[]): MultiPolygon | null {
  const coordinates = jurisdictions.flatMap((j) =>
    j.area.type === 'Polygon' ? [j.area.coordinates] : j.area.coordinates,
  );
  return coordinates.length ? { type: 'MultiPolygon', coordinates } : null;
}

const ringArea = (ring: readonly Position[] | readonly number[][]): number => {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) a += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return Math.abs(a / 2);
};

/**
 * A polygon fit to be stored: coordinates rounded to 1e-7° (about 1 cm) without repeated
 * vertices, seam holes left by neighbouring boundaries that do not quite meet dropped, and null
 * when nothing of it is left or it exceeds the record limits.
 */
export function cleanPolygon(p: Polygon): Polygon | null {
  const rings: Position[][] = [];
  for (const ring of p.coordinates) {
    const out: Position[] = [];
    for (const c of ring) {
      const q: Position = [round(c[0]!), round(c[1]!)];
      const last = out[out.length - 1];
      if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
    }
    if (out.length < 4) {
      if (rings.length === 0) return null;
      continue;
    }
    out[out.length - 1] = [out[0]![0], out[0]![1]];
    rings.push(out);
  }
  const outer = rings[0];
  if (!outer) return null;
  const minHole = ringArea(outer) * SLIVER_HOLE_SHARE;
  const kept = [outer, ...rings.slice(1).filter((r) => ringArea(r) >= minHole)];
  if (kept.length > MAX_RINGS || kept.some((r) => r.length > MAX_RING_POSITIONS)) return null;
  return { type: 'Polygon', coordinates: kept };
}

/**
 * The area a person may have reached: speed (by travel mode) × elapsed minutes around the
 * last-known point, clipped to the operation area.
 */
export function generateArea(input: {
  point: Position;
  elapsedMin: number;
  mode: TravelMode;
  clip: MultiPolygon | null;
}): GeometryResult<Polygon> {
  if (!(input.elapsedMin > 0) || !Number.isFinite(input.elapsedMin)) {
    return { ok: false, error: { key: 'search.error.elapsed' } };
  }
  let area: Polygon;
  try {
    area = searchAreaFromLastKnown(
      lngLat(input.point[0], input.point[1]),
      input.elapsedMin * 60_000,
      input.mode,
      input.clip,
    );
  } catch (err) {
    if (err instanceof RangeError && /outside/.test(err.message))
      return { ok: false, error: { key: 'search.error.outside' } };
    return { ok: false, error: { key: 'search.error.geometry', params: { message: String(err) } } };
  }
  const clean = cleanPolygon(area);
  return clean ? { ok: true, value: clean } : { ok: false, error: { key: 'search.error.tooComplex' } };
}

/** The area split into named sectors (a grid of cells, or one sector per station jurisdiction). */
export function splitArea(
  area: Polygon,
  split: SplitHow,
  jurisdictions: readonly Jurisdiction[],
): GeometryResult<SectorProposal[]> {
  let sectors: Array<{ name: string; polygon: Polygon; stationId?: string }>;
  try {
    if (split.how === 'grid') {
      if (!(split.cellM > 0) || !Number.isFinite(split.cellM))
        return { ok: false, error: { key: 'search.error.cellSize' } };
      sectors = gridSectors(area, split.cellM);
    } else {
      sectors = jurisdictionSectors(area, jurisdictions);
    }
  } catch (err) {
    const cells = err instanceof RangeError ? /needs (\d+) cells/.exec(err.message) : null;
    if (cells) {
      return {
        ok: false,
        error: { key: 'search.error.tooManyCells', params: { cells: Number(cells[1]), max: MAX_GRID_CELLS } },
      };
    }
    return { ok: false, error: { key: 'search.error.geometry', params: { message: String(err) } } };
  }
  const out: SectorProposal[] = [];
  for (const s of sectors) {
    const polygon = cleanPolygon(s.polygon);
    if (polygon) out.push({ name: s.name, polygon, stationId: s.stationId ?? null });
  }
  if (out.length === 0) return { ok: false, error: { key: 'search.error.noSectors' } };
  return { ok: true, value: out };
}

export type GeometryRequest =
  | { op: 'area'; input: Parameters<typeof generateArea>[0] }
  | { op: 'split'; area: Polygon; split: SplitHow; jurisdictions: Jurisdiction[] };
export type GeometryResponse = GeometryResult<Polygon> | GeometryResult<SectorProposal[]>;

/** Area of a polygon in square metres (holes subtracted; local equirectangular, ample for a sector). */
export function polygonAreaM2(p: Polygon): number {
  const outer = p.coordinates[0];
  if (!outer?.length) return 0;
  const lat0 = (outer.reduce((s, c) => s + c[1]!, 0) / outer.length) * (Math.PI / 180);
  const k = (Math.PI / 180) * 6_371_008.8;
  const scale = k * k * Math.cos(lat0);
  return p.coordinates.reduce((sum, ring, i) => sum + (i === 0 ? 1 : -1) * ringArea(ring) * scale, 0);
}
