/**
 * Track thinning: which fixes of one unit's time-ordered track to keep so that the thinned line
 * stays within a tolerance of every original fix (Douglas–Peucker, run between mandatory fixes).
 * Pure: no IO, no clock.
 */

/** The fields of a fix the thinning rule reads. */
export interface ThinPoint {
  time: number;
  lng: number;
  lat: number;
  /** m/s */
  speed: number | null;
  alarm: string | null;
}

export interface ThinOptions {
  /** Largest allowed distance (metres) between a dropped fix and the thinned line. */
  toleranceM: number;
  /** Keep at least the last fix of every bucket of this many ms (default one minute). */
  bucketMs?: number;
}

/** Speed classes whose changes are kept (m/s upper bounds): stopped, foot, slow, road, fast. */
const SPEED_CLASS_LIMITS = [1, 3, 10, 25] as const;

/** 0–4 by speed, -1 without a speed. A change of class is kept: the replay shows when a unit stopped or sped up. */
export function speedClass(speed: number | null): number {
  if (speed === null) return -1;
  let c = 0;
  while (c < SPEED_CLASS_LIMITS.length && speed >= SPEED_CLASS_LIMITS[c]!) c++;
  return c;
}

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Local planar metres around `lat0` (equirectangular; within centimetres over a track's extent). */
export function projector(lat0: number): (lng: number, lat: number) => [number, number] {
  const kx = Math.cos(lat0 * RAD) * EARTH_RADIUS_M * RAD;
  const ky = EARTH_RADIUS_M * RAD;
  return (lng, lat) => [lng * kx, lat * ky];
}

/** Distance (m, planar) from P to the segment AB. */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return Math.sqrt(ex * ex + ey * ey);
}

/**
 * Which of `points` (oldest first) to keep. The first and last are always kept (a batch's ends
 * join the next batch's line); so is every fix with an alarm, the fixes either side of an alarm
 * change, every change of speed class, and the last fix of each minute. Between two kept fixes,
 * Douglas–Peucker keeps what it needs for every dropped fix to lie within `toleranceM` of the
 * segment joining the kept fixes before and after it.
 *
 * `previous`: the fix before `points[0]` (already kept), so a change at the first point is seen.
 */
export function thinTrack(points: readonly ThinPoint[], options: ThinOptions, previous?: ThinPoint): boolean[] {
  const n = points.length;
  const keep = new Array<boolean>(n).fill(false);
  if (n === 0) return keep;
  const bucketMs = options.bucketMs ?? 60_000;
  keep[0] = true;
  keep[n - 1] = true;
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    const before = i > 0 ? points[i - 1] : previous;
    if (p.alarm !== null) keep[i] = true;
    if (before) {
      if (before.alarm !== p.alarm) {
        keep[i] = true;
        if (i > 0) keep[i - 1] = true;
      }
      if (speedClass(before.speed) !== speedClass(p.speed)) keep[i] = true;
    }
    const next = points[i + 1];
    if (next && Math.floor(next.time / bucketMs) !== Math.floor(p.time / bucketMs)) keep[i] = true;
  }
  const project = projector(points[0]!.lat);
  const xy = points.map((p) => project(p.lng, p.lat));
  // Douglas–Peucker between consecutive mandatory fixes, iteratively (tracks are long).
  let start = 0;
  for (let end = 1; end < n; end++) {
    if (!keep[end]) continue;
    simplify(xy, keep, start, end, options.toleranceM);
    start = end;
  }
  return keep;
}

function simplify(xy: readonly [number, number][], keep: boolean[], first: number, last: number, tol: number): void {
  const stack: Array<[number, number]> = [[first, last]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    if (b - a < 2) continue;
    const [ax, ay] = xy[a]!;
    const [bx, by] = xy[b]!;
    let worst = -1;
    let worstD = tol;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = xy[i]!;
      const d = segmentDistance(px, py, ax, ay, bx, by);
      if (d > worstD) {
        worstD = d;
        worst = i;
      }
    }
    if (worst < 0) continue;
    keep[worst] = true;
    stack.push([a, worst], [worst, b]);
  }
}

/**
 * The largest distance (m) from any original fix to the thinned line: the segment between the
 * kept fixes at or before and at or after it in time. How the tests and the benchmark measure
 * that a thinned track stays within its tolerance.
 */
export function trackDeviationM(original: readonly ThinPoint[], thinned: readonly ThinPoint[]): number {
  if (original.length === 0 || thinned.length === 0) return 0;
  const project = projector(original[0]!.lat);
  let j = 0;
  let worst = 0;
  for (const p of original) {
    while (j + 1 < thinned.length && thinned[j + 1]!.time <= p.time) j++;
    const a = thinned[j]!;
    const b = thinned[Math.min(j + 1, thinned.length - 1)]!;
    const [px, py] = project(p.lng, p.lat);
    const [ax, ay] = project(a.lng, a.lat);
    const [bx, by] = project(b.lng, b.lat);
    const d = p.time < a.time ? Math.hypot(px - ax, py - ay) : segmentDistance(px, py, ax, ay, bx, by);
    if (d > worst) worst = d;
  }
  return worst;
}
