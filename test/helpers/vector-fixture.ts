import { gzipSync } from 'node:zlib';
import { GeoJSONVT } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import { COMPRESSION, TILE_TYPE, writePmtiles, type PmtilesTile } from './pmtiles-writer.ts';

/**
 * A small vector basemap around the 德清/临平/桐乡 junction (WGS-84), in the Protomaps v4 layer
 * schema the bundled style reads: `earth`, `water` (a lake with its label point, and the Grand
 * Canal), `roads` (one per class) and `places`. Geometry is schematic (a few vertices near the
 * real features), not surveyed.
 */

type LngLat = [number, number];
const feature = (geometry: GeoJSON.Geometry, properties: Record<string, unknown>): GeoJSON.Feature => ({
  type: 'Feature',
  geometry,
  properties,
});
const box = ([w, s]: LngLat, [e, n]: LngLat): GeoJSON.Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});
const line = (...coordinates: LngLat[]): GeoJSON.LineString => ({ type: 'LineString', coordinates });
const point = (coordinates: LngLat): GeoJSON.Point => ({ type: 'Point', coordinates });

export const FIXTURE_BOUNDS: [number, number, number, number] = [120.1, 30.4, 120.5, 30.7];
/** The lake: a plain rectangle, so any pixel well inside it is water. */
export const LAKE = { sw: [120.245, 30.56] as LngLat, ne: [120.275, 30.58] as LngLat, name: '试验湖' };
/** Place labels: Chinese from `name:zh` (with a pinyin `name`), `name:zh-Hans`, or `name` alone. */
export const PLACES = [
  { at: [120.295, 30.635] as LngLat, zh: '新市', props: { name: 'Xinshi', 'name:zh': '新市' } },
  { at: [120.435, 30.54] as LngLat, zh: '崇福', props: { name: 'Chongfu', 'name:zh-Hans': '崇福' } },
  { at: [120.185, 30.47] as LngLat, zh: '塘栖', props: { name: '塘栖' } },
];

export function fixtureLayers(): Record<string, GeoJSON.FeatureCollection> {
  const fc = (...features: GeoJSON.Feature[]): GeoJSON.FeatureCollection => ({ type: 'FeatureCollection', features });
  const [w, s, e, n] = FIXTURE_BOUNDS;
  return {
    earth: fc(feature(box([w, s], [e, n]), { kind: 'earth' })),
    water: fc(
      feature(box(LAKE.sw, LAKE.ne), { kind: 'lake', name: LAKE.name }),
      feature(point([(LAKE.sw[0] + LAKE.ne[0]) / 2, (LAKE.sw[1] + LAKE.ne[1]) / 2]), { kind: 'lake', name: LAKE.name }),
      feature(line([120.15, 30.455], [120.185, 30.47], [120.25, 30.49], [120.32, 30.505], [120.435, 30.535]), {
        kind: 'canal',
        name: '京杭大运河',
      }),
    ),
    roads: fc(
      feature(line([120.1, 30.665], [120.3, 30.655], [120.5, 30.645]), {
        kind: 'highway',
        kind_detail: 'motorway',
        name: '申嘉湖高速',
      }),
      feature(line([120.15, 30.44], [120.3, 30.52], [120.45, 30.56]), {
        kind: 'major_road',
        kind_detail: 'primary',
        name: '320国道',
      }),
      feature(line([120.33, 30.53], [120.305, 30.6], [120.295, 30.635]), { kind: 'minor_road', name: '新市路' }),
    ),
    places: fc(...PLACES.map((p) => feature(point(p.at), { kind: 'locality', ...p.props }))),
  };
}

const MIN_ZOOM = 8;
const MAX_ZOOM = 14;

function tileRange(z: number): { x0: number; x1: number; y0: number; y1: number } {
  const [w, s, e, n] = FIXTURE_BOUNDS;
  const x = (lng: number) => Math.floor(((lng + 180) / 360) * 2 ** z);
  const y = (lat: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  };
  return { x0: x(w), x1: x(e), y0: y(n), y1: y(s) };
}

/** One tile of the fixture as uncompressed MVT (geojson-vt cuts it, vt-pbf encodes it); null if empty. */
export function vectorTile(z: number, x: number, y: number): Uint8Array | null {
  indexes ??= Object.entries(fixtureLayers()).map(
    ([name, data]) => [name, new GeoJSONVT(data, { maxZoom: MAX_ZOOM, indexMaxZoom: MAX_ZOOM, buffer: 64 })] as const,
  );
  const parts = Object.fromEntries(
    indexes.flatMap(([name, index]) => {
      const tile = index.getTile(z, x, y);
      return tile && tile.features.length > 0 ? [[name, tile]] : [];
    }),
  );
  return Object.keys(parts).length > 0 ? fromGeojsonVt(parts, { version: 2, extent: 4096 }) : null;
}
let indexes: Array<readonly [string, GeoJSONVT]> | undefined;

/**
 * The fixture as a vector PMTiles archive: every tile of zooms 8–14 over the fixture's bounds,
 * gzipped (as Protomaps builds are).
 */
export function vectorBasemapPmtiles(): Buffer {
  const tiles: PmtilesTile[] = [];
  for (let z = MIN_ZOOM; z <= MAX_ZOOM; z++) {
    const { x0, x1, y0, y1 } = tileRange(z);
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        const mvt = vectorTile(z, x, y);
        if (mvt) tiles.push({ z, x, y, data: gzipSync(mvt) });
      }
    }
  }
  const [w, s, e, n] = FIXTURE_BOUNDS;
  return writePmtiles(tiles, {
    tileType: TILE_TYPE.mvt,
    tileCompression: COMPRESSION.gzip,
    bounds: FIXTURE_BOUNDS,
    center: [(w + e) / 2, (s + n) / 2, 11],
    metadata: {
      name: 'jointmap test basemap',
      vector_layers: Object.keys(fixtureLayers()).map((id) => ({
        id,
        minzoom: MIN_ZOOM,
        maxzoom: MAX_ZOOM,
        fields: {},
      })),
    },
  });
}
