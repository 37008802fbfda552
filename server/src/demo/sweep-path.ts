import type { Polygon } from 'geojson';
import { localMetricFrame } from '@jointmap/shared';

/**
 * A lawn-mower (boustrophedon) path over a sector: straight passes along the sector's longer side,
 * spaced at most `sweepWidthM` apart and alternating in direction, so that every point of the
 * sector lies within `sweepWidthM / 2` of the path. Each pass spans the sector's whole extent
 * within its band, so concave or clipped sectors are covered too (the unit crosses the notches).
 * WGS-84 in and out; distances on a local equirectangular projection (exact enough for a sector
 * of a few kilometres).
 *
 * @example
 * followRoute(walker, sweepPath(sector.polygon, sector.sweepWidthM), rng);
 */
export function sweepPath(polygon: Polygon, sweepWidthM: number): [number, number][] {
  if (!(sweepWidthM > 0)) throw new RangeError(`sweep width must be positive, got ${sweepWidthM}`);
  const outer = polygon.coordinates[0];
  if (!outer || outer.length < 4) throw new RangeError('a sector needs an outer ring');
  const lat0 = outer.reduce((sum, p) => sum + p[1]!, 0) / outer.length;
  const lng0 = outer.reduce((sum, p) => sum + p[0]!, 0) / outer.length;
  const frame = localMetricFrame([lng0, lat0]);
  const projected = polygon.coordinates.map((ring) => ring.map((p) => frame.toMetres(p)));
  const xs = projected.flat().map((p) => p[0]);
  const ys = projected.flat().map((p) => p[1]);
  // Passes run along the longer side: fewer turns. `swap` makes them run along y instead of x.
  const swap = Math.max(...ys) - Math.min(...ys) > Math.max(...xs) - Math.min(...xs);
  const rings = swap ? projected.map((ring) => ring.map(([x, y]): [number, number] => [y, x])) : projected;
  const minY = Math.min(...rings.flat().map((p) => p[1]));
  const maxY = Math.max(...rings.flat().map((p) => p[1]));
  const passes = Math.max(1, Math.ceil((maxY - minY) / sweepWidthM - 1e-9));
  const spacing = (maxY - minY) / passes;

  const path: [number, number][] = [];
  for (let k = 0; k < passes; k++) {
    const lo = minY + k * spacing;
    const hi = lo + spacing;
    const extent = bandExtent(rings, lo, hi);
    if (!extent) continue;
    const y = (lo + hi) / 2;
    const pass: [number, number][] = [
      [extent[0], y],
      [extent[1], y],
    ];
    if (path.length % 4 === 2) pass.reverse();
    path.push(...pass);
  }
  return path.map(([a, b]) => {
    const [x, y] = swap ? [b, a] : [a, b];
    const [lng, lat] = frame.toLngLat(x, y);
    return [round7(lng), round7(lat)];
  });
}

/** The smallest and largest x of the rings' edges within the band `lo ≤ y ≤ hi`. */
function bandExtent(rings: [number, number][][], lo: number, hi: number): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x1, y1] = ring[i]!;
      const [x2, y2] = ring[i + 1]!;
      // Clip the edge to the band and take the x of what is left.
      const t = clipRange(y1, y2, lo, hi);
      if (!t) continue;
      for (const s of t) {
        const x = x1 + (x2 - x1) * s;
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
  }
  return min <= max ? [min, max] : null;
}

/** The parameter range [s0, s1] ⊂ [0, 1] of the edge y1→y2 that lies in [lo, hi], or null. */
function clipRange(y1: number, y2: number, lo: number, hi: number): [number, number] | null {
  if (y1 === y2) return y1 >= lo && y1 <= hi ? [0, 1] : null;
  const a = (lo - y1) / (y2 - y1);
  const b = (hi - y1) / (y2 - y1);
  const s0 = Math.max(0, Math.min(a, b));
  const s1 = Math.min(1, Math.max(a, b));
  return s0 <= s1 ? [s0, s1] : null;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;
