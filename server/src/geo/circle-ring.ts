/**
 * A circle of `radiusM` metres around a WGS-84 point as a closed ring of 36 steps (37 positions,
 * the first repeated last), on a spherical Earth: fine for drawing, and what tools without circles
 * (TAK, Google Earth, GIS files) are given in place of a centre and a radius.
 *
 * @example circleRing(120.3, 30.52, 500).length === 37
 */
export function circleRing(lng: number, lat: number, radiusM: number): number[][] {
  const R = 6_371_008.8;
  const ring: number[][] = [];
  for (let i = 0; i <= 36; i++) {
    const a = (i % 36) * ((2 * Math.PI) / 36);
    const dLat = ((radiusM * Math.cos(a)) / R) * (180 / Math.PI);
    const dLng = ((radiusM * Math.sin(a)) / (R * Math.cos((lat * Math.PI) / 180))) * (180 / Math.PI);
    ring.push([lng + dLng, lat + dLat]);
  }
  return ring;
}
