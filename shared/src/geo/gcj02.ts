import gcoord from 'gcoord';

/**
 * gcoord's rough box of China, where GCJ-02 differs from WGS-84; outside it both transforms are
 * the identity (as gcoord's are).
 */
const inGcjBox = (lng: number, lat: number) => lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;

/** Fixed-point steps of the inverse at most: 4–6 reach 1e-9° in China, the rest is a safety margin. */
const MAX_STEPS = 20;
/** A step this small (about 0.1 mm) ends the inverse. */
const TOLERANCE_DEG = 1e-9;

/** A WGS-84 point in GCJ-02 (gcoord's forward transform; unchanged outside China). */
export function wgs84ToGcj02(lng: number, lat: number): [number, number] {
  return gcoord.transform([lng, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
}

/**
 * A GCJ-02 point in WGS-84: the WGS-84 point whose GCJ-02 image it is, within 1e-9° (about 0.1 mm)
 * in China; unchanged outside gcoord's box of China.
 *
 * gcoord's own inverse iterates until it converges and never returns for points just inside its
 * box (`[72.51, 0.83]`, `[72.005, 1]`): the estimate steps out of the box, where the forward
 * transform is the identity, and back in, forever. This one takes at most 20 steps and returns the
 * best estimate it saw (the one whose GCJ-02 image is nearest the input).
 *
 * @example
 * gcj02ToWgs84(120.104, 30.498) // ≈ [120.0993, 30.5004]
 */
export function gcj02ToWgs84(lng: number, lat: number): [number, number] {
  if (!inGcjBox(lng, lat)) return [lng, lat];
  let [x, y] = [lng, lat];
  let best: [number, number] = [lng, lat];
  let bestError = Infinity;
  for (let step = 0; step < MAX_STEPS; step++) {
    const [gx, gy] = wgs84ToGcj02(x, y);
    const [dx, dy] = [gx - lng, gy - lat];
    const error = Math.max(Math.abs(dx), Math.abs(dy));
    if (error < bestError) {
      best = [x, y];
      bestError = error;
    }
    // The next step would move the estimate by (dx, dy): done when that is too little to matter.
    if (error < TOLERANCE_DEG) break;
    [x, y] = [x - dx, y - dy];
  }
  return best;
}
