import type { ExpressionSpecification, FilterSpecification, LayerSpecification } from 'maplibre-gl';
import { MAP_FONT } from './style.ts';

/**
 * The bundled style of a customer's vector basemap (MVT), in Chinese, for the Protomaps basemap
 * schema v4 (docs.protomaps.com/basemaps/layers): source layers `earth`, `landcover`, `landuse`,
 * `water`, `roads`, `buildings`, `boundaries` and `places`, classified by `kind` (roads also by
 * `kind_detail`). A PGIS export tiled with tippecanoe fits it when its layers carry these names
 * (`-l roads`, …); a feature without `kind` is drawn as a minor road, plain land use or a town.
 * Water names come from points in `water` (as Protomaps has them): a polygon split over tiles
 * would be labelled once per tile.
 *
 * Labels prefer the Chinese name (`name:zh-Hans`, `name:zh`, then `name`) and use the bundled Noto
 * Sans SC from the base style's `font-faces`: no glyph server, nothing from another host.
 */

/** Colours: light and quiet, so that the operation layers drawn over it stay the loudest. */
const C = {
  land: '#f4f2ec',
  water: '#a9cdee',
  waterLine: '#8fbde6',
  park: '#d9ecd0',
  forest: '#cfe5c4',
  farmland: '#eef1dc',
  urban: '#ebe7e0',
  industrial: '#e9e3ea',
  building: '#e0dbd3',
  boundary: '#a99cb8',
  highway: '#f6b26b',
  highwayCase: '#d98a3c',
  major: '#fde7a2',
  majorCase: '#d9b970',
  minor: '#ffffff',
  minorCase: '#b9b1a4',
  path: '#c9c2b6',
  label: '#3f3a34',
  roadLabel: '#5b554c',
  halo: '#ffffff',
};

/** The label of a feature: its Chinese name where it has one. */
export const CHINESE_NAME: ExpressionSpecification = [
  'coalesce',
  ['get', 'name:zh-Hans'],
  ['get', 'name:zh'],
  ['get', 'name'],
];

const KIND: ExpressionSpecification = ['coalesce', ['get', 'kind'], ''];
const ROAD_CLASS: ExpressionSpecification = [
  'match',
  KIND,
  'highway',
  'highway',
  'major_road',
  'major',
  'minor_road',
  'minor',
  'path',
  'path',
  'other',
  'path',
  'minor',
];
const isPolygon: FilterSpecification = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
const isLine: FilterSpecification = ['in', ['geometry-type'], ['literal', ['LineString', 'MultiLineString']]];
const isPoint: FilterSpecification = ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]];

const ZOOM_SCALE: Array<[number, number]> = [
  [8, 0.2],
  [12, 1],
  [18, 8],
];

/** Width in pixels by zoom: `w12(scale)` at zoom 12 scale 1, ×8 by zoom 18 (zoom stays top-level). */
function width(w12: number | ((scale: number) => ExpressionSpecification)): ExpressionSpecification {
  const at = (scale: number) => (typeof w12 === 'number' ? w12 * scale : w12(scale));
  return [
    'interpolate',
    ['exponential', 1.6],
    ['zoom'],
    ...ZOOM_SCALE.flatMap(([z, s]) => [z, at(s)]),
  ] as ExpressionSpecification;
}

function roadWidth(extra: number): ExpressionSpecification {
  return width((s) => ['match', ROAD_CLASS, 'highway', (3 + extra) * s, 'major', (2.2 + extra) * s, (1.3 + extra) * s]);
}

function fill(id: string, sourceLayer: string, color: ExpressionSpecification | string, filter?: FilterSpecification) {
  return {
    id,
    type: 'fill' as const,
    'source-layer': sourceLayer,
    ...(filter ? { filter } : {}),
    paint: { 'fill-color': color },
  };
}

/** Layer ids end with these parts, bottom to top (`basemap-<id>-<part>`). */
export const VECTOR_LAYER_PARTS = [
  'earth',
  'landcover',
  'landuse',
  'water',
  'waterway',
  'buildings',
  'boundaries',
  'road-case',
  'path',
  'road',
  'road-label',
  'water-label',
  'place-label',
] as const;

/**
 * Layers drawing vector source `source`, with ids `${prefix}-<part>` (see {@link VECTOR_LAYER_PARTS}).
 * The caller inserts them, in order, under the operation layers.
 */
export function vectorBasemapLayers(source: string, prefix: string): LayerSpecification[] {
  const landuseColor: ExpressionSpecification = [
    'match',
    KIND,
    ['park', 'garden', 'golf_course', 'grass', 'grassland', 'meadow', 'recreation_ground', 'playground', 'cemetery'],
    C.park,
    ['forest', 'wood', 'nature_reserve', 'national_park', 'scrub'],
    C.forest,
    ['farmland', 'farm', 'orchard', 'allotments', 'vineyard'],
    C.farmland,
    ['industrial', 'railway', 'military', 'aerodrome', 'airfield'],
    C.industrial,
    C.urban,
  ];
  const layers = [
    fill('earth', 'earth', C.land),
    fill('landcover', 'landcover', landuseColor),
    { ...fill('landuse', 'landuse', landuseColor), paint: { 'fill-color': landuseColor, 'fill-opacity': 0.8 } },
    fill('water', 'water', C.water, isPolygon),
    {
      id: 'waterway',
      type: 'line' as const,
      'source-layer': 'water',
      filter: isLine,
      paint: {
        'line-color': C.waterLine,
        'line-width': width((s) => ['match', KIND, 'river', 2 * s, 'canal', 1.5 * s, 0.8 * s]),
      },
    },
    {
      id: 'buildings',
      type: 'fill' as const,
      'source-layer': 'buildings',
      minzoom: 14,
      paint: { 'fill-color': C.building, 'fill-opacity': 0.8 },
    },
    {
      id: 'boundaries',
      type: 'line' as const,
      'source-layer': 'boundaries',
      paint: { 'line-color': C.boundary, 'line-width': 1, 'line-dasharray': [4, 2] },
    },
    {
      id: 'road-case',
      type: 'line' as const,
      'source-layer': 'roads',
      filter: ['!=', ROAD_CLASS, 'path'],
      layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': sortKey() },
      paint: {
        'line-color': ['match', ROAD_CLASS, 'highway', C.highwayCase, 'major', C.majorCase, C.minorCase],
        'line-width': roadWidth(1.2),
      },
    },
    {
      id: 'path',
      type: 'line' as const,
      'source-layer': 'roads',
      minzoom: 13,
      filter: ['==', ROAD_CLASS, 'path'],
      paint: { 'line-color': C.path, 'line-width': width(0.5), 'line-dasharray': [2, 1] },
    },
    {
      id: 'road',
      type: 'line' as const,
      'source-layer': 'roads',
      filter: ['!=', ROAD_CLASS, 'path'],
      layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': sortKey() },
      paint: {
        'line-color': ['match', ROAD_CLASS, 'highway', C.highway, 'major', C.major, C.minor],
        'line-width': roadWidth(0),
      },
    },
    {
      id: 'road-label',
      type: 'symbol' as const,
      'source-layer': 'roads',
      minzoom: 12,
      filter: ['!=', ROAD_CLASS, 'path'],
      layout: {
        'symbol-placement': 'line',
        'text-field': CHINESE_NAME,
        'text-font': [MAP_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 12, 11, 17, 14],
      },
      paint: { 'text-color': C.roadLabel, 'text-halo-color': C.halo, 'text-halo-width': 1.5 },
    },
    {
      id: 'water-label',
      type: 'symbol' as const,
      'source-layer': 'water',
      filter: isPoint,
      minzoom: 11,
      layout: { 'text-field': CHINESE_NAME, 'text-font': [MAP_FONT], 'text-size': 12 },
      paint: { 'text-color': '#3a6e9e', 'text-halo-color': C.halo, 'text-halo-width': 1.2 },
    },
    {
      id: 'place-label',
      type: 'symbol' as const,
      'source-layer': 'places',
      layout: {
        'text-field': CHINESE_NAME,
        'text-font': [MAP_FONT],
        'text-size': ['match', KIND, ['country', 'region'], 17, 'locality', 15, 'neighbourhood', 12, 13],
        'symbol-sort-key': ['-', 0, ['coalesce', ['get', 'population_rank'], 0]],
        'text-max-width': 8,
      },
      paint: { 'text-color': C.label, 'text-halo-color': C.halo, 'text-halo-width': 2 },
    },
  ];
  return layers.map((l) => ({ ...l, id: `${prefix}-${l.id}`, source }) as LayerSpecification);
}

/** Bigger roads are drawn over smaller ones. */
function sortKey(): ExpressionSpecification {
  return ['match', ROAD_CLASS, 'highway', 3, 'major', 2, 'minor', 1, 0];
}
