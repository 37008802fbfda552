import type { LineString, Polygon } from 'geojson';

/** Metres per degree of latitude (WGS-84 mean; good to well under 1 % over a rule's extent). */
const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LNG_EQUATOR = 111_320;

/** [minLng, minLat, maxLng, maxLat] */
export type BBox = [number, number, number, number];

/**
 * A rule geometry projected once onto a local plane in metres (equirectangular around its own
 * centre), so a fix costs a handful of multiplications per vertex and no allocation. Rules are a
 * few kilometres across at most, where this projection errs by centimetres.
 */
export class PlanarShape {
  private readonly lng0: number;
  private readonly lat0: number;
  private readonly kx: number;
  /** Rings (polygon) or the one line, as flat [x0, y0, x1, y1, …] in metres. */
  private readonly parts: Float64Array[];
  readonly bbox: BBox;

  constructor(
    readonly kind: 'polygon' | 'line',
    coordinates: number[][][],
  ) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const part of coordinates) {
      for (const [x, y] of part) {
        minX = Math.min(minX, x!);
        minY = Math.min(minY, y!);
        maxX = Math.max(maxX, x!);
        maxY = Math.max(maxY, y!);
      }
    }
    this.bbox = [minX, minY, maxX, maxY];
    this.lng0 = (minX + maxX) / 2;
    this.lat0 = (minY + maxY) / 2;
    this.kx = M_PER_DEG_LNG_EQUATOR * Math.cos((this.lat0 * Math.PI) / 180);
    this.parts = coordinates.map((part) => {
      const flat = new Float64Array(part.length * 2);
      part.forEach(([x, y], i) => {
        flat[i * 2] = (x! - this.lng0) * this.kx;
        flat[i * 2 + 1] = (y! - this.lat0) * M_PER_DEG_LAT;
      });
      return flat;
    });
  }

  static polygon(p: Polygon): PlanarShape {
    return new PlanarShape('polygon', p.coordinates);
  }

  static line(l: LineString): PlanarShape {
    return new PlanarShape('line', [l.coordinates]);
  }

  /** The bbox grown by `metres` on every side, in degrees. */
  grownBBox(metres: number): BBox {
    const dx = metres / this.kx;
    const dy = metres / M_PER_DEG_LAT;
    const [a, b, c, d] = this.bbox;
    return [a - dx, b - dy, c + dx, d + dy];
  }

  /** Whether a point lies inside the polygon (even-odd over all rings, so holes are outside). */
  contains(lng: number, lat: number): boolean {
    if (this.kind !== 'polygon') return false;
    const px = (lng - this.lng0) * this.kx;
    const py = (lat - this.lat0) * M_PER_DEG_LAT;
    let inside = false;
    for (const ring of this.parts) {
      for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) {
        const xi = ring[i]!;
        const yi = ring[i + 1]!;
        const xj = ring[j]!;
        const yj = ring[j + 1]!;
        if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    return inside;
  }

  /** Distance in metres from a point to the nearest edge (polygon rings) or to the line. */
  distanceToEdge(lng: number, lat: number): number {
    const px = (lng - this.lng0) * this.kx;
    const py = (lat - this.lat0) * M_PER_DEG_LAT;
    let best = Infinity;
    for (const part of this.parts) {
      if (part.length === 2) best = Math.min(best, Math.hypot(px - part[0]!, py - part[1]!));
      for (let i = 2; i < part.length; i += 2) {
        best = Math.min(best, segmentDistance(px, py, part[i - 2]!, part[i - 1]!, part[i]!, part[i + 1]!));
      }
    }
    return best;
  }
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Distance in metres between two WGS-84 points close to each other (equirectangular). */
export function nearDistanceM(a: readonly [number, number], b: readonly [number, number]): number {
  const kx = M_PER_DEG_LNG_EQUATOR * Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180);
  return Math.hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * M_PER_DEG_LAT);
}
