import type { Polygon } from 'geojson';
import type { LngLat } from './lnglat.ts';
import { M_PER_DEG, RAD } from './local-frame.ts';

/** Options of a coverage raster. */
export interface CoverageGridOptions {
  /** Upper bound of the cells inside one sector (default 40 000). */
  maxCells?: number;
}

const DEFAULT_MAX_CELLS = 40_000;
/** Below this many cells a sector's fraction gets coarse, so small sectors get finer cells. */
const MIN_CELLS = 400;
/**
 * Cells per sweep width aimed at when maxCells allows. At 3 per width a single straight pass can
 * be off by ~15 % (lattice aliasing); at 10 by a few per cent, at ~100 cells looked at per 1 Hz fix.
 */
const FINE_CELLS_PER_SWEEP = 10;

/**
 * Raster of one sector in a local metric (equirectangular) frame around its centroid; a cell
 * counts as swept when its centre lies within sweepWidthM/2 of a track segment. Cell size is chosen
 * so that a sector has at most `maxCells` cells inside it (default 40 000) and cells are at most
 * sweepWidthM/3 wide where that bound allows: sweepWidthM/10 within the budget, and at least ~400
 * cells inside a small sector.
 *
 * @example
 * const grid = new SectorCoverageGrid(sector.polygon, sector.sweepWidthM);
 * grid.addSegment(lngLat(120.30, 30.52), lngLat(120.301, 30.52));
 * grid.fraction; // 0–1
 */
export class SectorCoverageGrid {
  /** Cell width, metres. */
  readonly cellM: number;
  /** Cells inside the sector. */
  readonly cellCount: number;
  private readonly lng0: number;
  private readonly lat0: number;
  private readonly kx: number;
  private readonly radius: number;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cols: number;
  private readonly rows: number;
  /** Per bbox cell: 0 outside, 1 inside not swept, 2 inside swept. */
  private readonly cells: Uint8Array;
  private swept = 0;
  /** The last capsule span (scratch, so the hot path allocates nothing). */
  private spanLo = 0;
  private spanHi = 0;

  constructor(polygon: Polygon, sweepWidthM: number, options: CoverageGridOptions = {}) {
    if (!(sweepWidthM > 0) || !Number.isFinite(sweepWidthM)) throw new RangeError('sweep width must be positive');
    const maxCells = options.maxCells ?? DEFAULT_MAX_CELLS;
    if (!(maxCells >= 1)) throw new RangeError('maxCells must be at least 1');
    this.radius = sweepWidthM / 2;
    const outer = polygon.coordinates[0] ?? [];
    const n = Math.max(1, outer.length - 1); // the closing vertex repeats the first
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < n && i < outer.length; i++) {
      cx += outer[i]![0]!;
      cy += outer[i]![1]!;
    }
    this.lng0 = cx / n;
    this.lat0 = cy / n;
    this.kx = M_PER_DEG * Math.cos(this.lat0 * RAD);
    const rings = polygon.coordinates.map((ring) => ring.map((p) => this.project(p[0]!, p[1]!)));
    const [minX, minY, maxX, maxY] = boxOf(rings[0] ?? []);
    const area = rings.reduce((s, r, i) => s + (i === 0 ? 1 : -1) * Math.abs(ringArea(r)), 0);
    const width = Math.max(0, maxX - minX);
    const height = Math.max(0, maxY - minY);
    let cell = Math.min(sweepWidthM / FINE_CELLS_PER_SWEEP, Math.sqrt(Math.max(0, area) / MIN_CELLS));
    // Within the budget inside, and at most 50 × the budget over the bbox (thin diagonal sectors).
    cell = Math.max(cell, Math.sqrt(area / maxCells), Math.sqrt((width * height) / (maxCells * 50)), 1e-3);
    for (;;) {
      const cols = Math.max(1, Math.ceil(width / cell));
      const rows = Math.max(1, Math.ceil(height / cell));
      const cells = new Uint8Array(cols * rows);
      const inside = rasterize(rings, minX, minY, cell, cols, cells);
      if (inside <= maxCells || !Number.isFinite(minX)) {
        [this.cellM, this.cols, this.rows, this.cells, this.cellCount] = [cell, cols, rows, cells, inside];
        break;
      }
      cell *= Math.sqrt(inside / maxCells) * 1.01;
    }
    this.minX = minX;
    this.minY = minY;
  }

  /** Swept cells inside ÷ cells inside, 0–1 (0 for a sector too thin to hold a cell centre). */
  get fraction(): number {
    return this.cellCount === 0 ? 0 : this.swept / this.cellCount;
  }

  /** Cells inside the sector that are swept. */
  get sweptCount(): number {
    return this.swept;
  }

  /**
   * Mark the cells swept by the segment a→b (a == b: a single point). Returns true when any new
   * cell was swept. Cost: the cells in the segment's buffered bbox only (exactly: in each row, those
   * the capsule around the segment covers).
   */
  addSegment(a: LngLat, b: LngLat): boolean {
    return this.sweep(a[0], a[1], b[0], b[1]);
  }

  /** Mark the cells within sweepWidthM/2 of one point. */
  addPoint(p: LngLat): boolean {
    return this.sweep(p[0], p[1], p[0], p[1]);
  }

  /** `addSegment` on bare WGS-84 numbers (no allocation). */
  sweep(aLng: number, aLat: number, bLng: number, bLat: number): boolean {
    const ax = (aLng - this.lng0) * this.kx;
    const ay = (aLat - this.lat0) * M_PER_DEG;
    const bx = (bLng - this.lng0) * this.kx;
    const by = (bLat - this.lat0) * M_PER_DEG;
    const r = this.radius;
    const s = this.cellM;
    const rowLo = Math.max(0, Math.ceil((Math.min(ay, by) - r - this.minY) / s - 0.5));
    const rowHi = Math.min(this.rows - 1, Math.floor((Math.max(ay, by) + r - this.minY) / s - 0.5));
    const len = Math.hypot(bx - ax, by - ay);
    const ux = len > 0 ? (bx - ax) / len : 1;
    const uy = len > 0 ? (by - ay) / len : 0;
    let changed = false;
    for (let row = rowLo; row <= rowHi; row++) {
      if (!this.capsuleSpan(ax, ay, bx, by, ux, uy, len, r, this.minY + (row + 0.5) * s)) continue;
      const colLo = Math.max(0, Math.ceil((this.spanLo - this.minX) / s - 0.5));
      const colHi = Math.min(this.cols - 1, Math.floor((this.spanHi - this.minX) / s - 0.5));
      const base = row * this.cols;
      for (let i = base + colLo; i <= base + colHi; i++) {
        if (this.cells[i] === 1) {
          this.cells[i] = 2;
          this.swept++;
          changed = true;
        }
      }
    }
    return changed;
  }

  private project(lng: number, lat: number): [number, number] {
    return [(lng - this.lng0) * this.kx, (lat - this.lat0) * M_PER_DEG];
  }

  /**
   * The x-interval (spanLo, spanHi) where the horizontal line at `y` meets the capsule of radius r
   * around a→b; false when it misses. The capsule is convex, so this is one interval: the union of
   * the two end discs and the band along the segment.
   */
  private capsuleSpan(
    ax: number,
    ay: number,
    bx: number,
    by: number,
    ux: number,
    uy: number,
    len: number,
    r: number,
    y: number,
  ): boolean {
    let lo = Infinity;
    let hi = -Infinity;
    let d = ay - y;
    if (d <= r && d >= -r) {
      const h = Math.sqrt(r * r - d * d);
      lo = ax - h;
      hi = ax + h;
    }
    d = by - y;
    if (d <= r && d >= -r) {
      const h = Math.sqrt(r * r - d * d);
      lo = Math.min(lo, bx - h);
      hi = Math.max(hi, bx + h);
    }
    if (len > 0) {
      // p = (ax + t, y): along the segment 0 ≤ ux·t + uy·c ≤ len; across it |−uy·t + ux·c| ≤ r.
      const c = y - ay;
      let l = -Infinity;
      let h = Infinity;
      if (Math.abs(ux) > 1e-12) {
        const t1 = -(uy * c) / ux;
        const t2 = (len - uy * c) / ux;
        l = Math.min(t1, t2);
        h = Math.max(t1, t2);
      } else if (uy * c < 0 || uy * c > len) {
        h = -Infinity;
      }
      if (Math.abs(uy) > 1e-12) {
        const t1 = (ux * c - r) / uy;
        const t2 = (ux * c + r) / uy;
        l = Math.max(l, Math.min(t1, t2));
        h = Math.min(h, Math.max(t1, t2));
      } else if (Math.abs(ux * c) > r) {
        h = -Infinity;
      }
      if (l <= h) {
        lo = Math.min(lo, ax + l);
        hi = Math.max(hi, ax + h);
      }
    }
    this.spanLo = lo;
    this.spanHi = hi;
    return lo <= hi;
  }
}

/** [minX, minY, maxX, maxY] of points (infinite when empty); also the tracker's sector bboxes. */
export function boxOf(points: readonly (readonly number[])[]): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of points) {
    box[0] = Math.min(box[0], p[0]!);
    box[1] = Math.min(box[1], p[1]!);
    box[2] = Math.max(box[2], p[0]!);
    box[3] = Math.max(box[3], p[1]!);
  }
  return box;
}

/** Signed shoelace area of a ring (positive counter-clockwise). */
function ringArea(ring: readonly (readonly [number, number])[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    s += (ring[j]![0] + ring[i]![0]) * (ring[j]![1] - ring[i]![1]);
  }
  return -s / 2;
}

/** Centre-of-cell scanline fill (even-odd over every ring); returns the number of cells inside. */
function rasterize(
  rings: readonly (readonly [number, number])[][],
  minX: number,
  minY: number,
  cell: number,
  cols: number,
  out: Uint8Array,
): number {
  let inside = 0;
  const xs: number[] = [];
  const rows = out.length / cols;
  for (let row = 0; row < rows; row++) {
    const y = minY + (row + 0.5) * cell;
    xs.length = 0;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [x1, y1] = ring[j]!;
        const [x2, y2] = ring[i]!;
        if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const colLo = Math.max(0, Math.ceil((xs[k]! - minX) / cell - 0.5));
      const colHi = Math.min(cols - 1, Math.floor((xs[k + 1]! - minX) / cell - 0.5));
      for (let i = row * cols + colLo; i <= row * cols + colHi; i++) {
        if (out[i] === 0) {
          out[i] = 1;
          inside++;
        }
      }
    }
  }
  return inside;
}
