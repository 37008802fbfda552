import gcoord from 'gcoord';

/** A WGS-84 `[lng, lat]` in GCJ-02, the offset datum of maps published in China (unchanged outside China). */
export function wgs84ToGcj02(lngLat: readonly [number, number]): [number, number] {
  return gcoord.transform([lngLat[0], lngLat[1]], gcoord.WGS84, gcoord.GCJ02) as [number, number];
}

/** Web-Mercator world pixel of a `[lng, lat]` (WGS-84 or GCJ-02 alike) at zoom `z` with `size`-pixel tiles. */
export function worldPx(lngLat: readonly [number, number], z: number, size: number): [number, number] {
  const scale = size * 2 ** z;
  const s = Math.sin((lngLat[1] * Math.PI) / 180);
  return [((lngLat[0] + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
}

/** `[lng, lat]` of the centre of tile z/x/y. */
export function tileCentre(z: number, x: number, y: number): [number, number] {
  const n = 2 ** z;
  const lng = ((x + 0.5) / n) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * (y + 0.5)) / n))) * 180) / Math.PI;
  return [lng, lat];
}

/**
 * Where WGS-84 tile z/x/y begins in the world pixels of GCJ-02 imagery: the tile's own origin moved
 * by the GCJ-02 offset at its centre (up to ~600 m in China, varying slowly). Drawing the GCJ-02
 * tiles at `tx * size - left`, `ty * size - top` puts what they show at its WGS-84 place.
 */
export function gcjTileOrigin(z: number, x: number, y: number, size: number): { left: number; top: number } {
  const centre = tileCentre(z, x, y);
  const w = worldPx(centre, z, size);
  const g = worldPx(wgs84ToGcj02(centre), z, size);
  return { left: x * size + (g[0] - w[0]), top: y * size + (g[1] - w[1]) };
}
