/** GeoJSON files to import, built in the test. */

/** A GeoJSON file: a FeatureCollection of `features`. */
export const featureCollection = (features: object[]) =>
  Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }));

/** A GeoJSON point feature with `properties`. */
export const pointFeature = (properties: object, coordinates = [120.3, 30.5]) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Point', coordinates },
});

/** A GeoJSON polygon feature with `properties`: its outer ring first, then its holes. */
export const polygonFeature = (properties: object, rings: number[][][]) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Polygon', coordinates: rings },
});

/** A closed square ring of `size` degrees with its south-west corner at (x, y). */
export const squareRing = (x: number, y: number, size: number) => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
  [x, y],
];
