import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import { kmlStyle } from './kml-styles.ts';
import { XML_HEAD, xmlAttribute, xmlText } from './xml-text.ts';

/**
 * KML written as text, a piece at a time, for annotation and sector exports (`kmlDocument`) and
 * for track files (track-file.ts, from the same pieces). It writes what `@placemarkio/tokml` 0.3.9
 * wrote, as `@xmldom/xmldom` serialised it after an inline `<Style>` was put in each Placemark (the
 * writer before this one, which took 2,000 tracks × 250 points 4–9 s to build, parse and write as
 * document trees): one Placemark per feature, `name` and `description` as its name and
 * description, every other property as ExtendedData (JSON for a value that is not a string), then
 * the geometry, coordinates as `lng,lat`.
 */

/** The file up to its Document's first Placemark. */
export const KML_OPEN = `${XML_HEAD}<kml xmlns="http://www.opengis.net/kml/2.2">`;
/** A Document without Placemarks, and the end of the file. */
export const KML_EMPTY = '<Document/></kml>';

/** `<tag>text</tag>`, `<tag/>` for no text. */
export const xmlElement = (tag: string, text: string): string => (text ? `<${tag}>${text}</${tag}>` : `<${tag}/>`);

/** One `<Data>` of ExtendedData: a string as it is, anything else as JSON. */
export const kmlData = (name: string, value: unknown): string =>
  `\n  <Data name="${xmlAttribute(name)}">${xmlElement('value', xmlText(dataText(value)))}</Data>`;

const dataText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/** A position as KML writes it: longitude and latitude (no altitude). */
export const kmlPosition = (p: Position): string => `${p[0]},${p[1]}`;

/** The opening of a Placemark: its name, description, visibility and style, up to its ExtendedData. */
export function kmlPlacemarkHead(feature: Feature<Geometry | null>): string {
  const { id } = feature;
  let head = `\n<Placemark${typeof id === 'string' || typeof id === 'number' ? ` id="${xmlAttribute(String(id))}"` : ''}>\n`;
  const p = feature.properties;
  if (!p) return head;
  const { name, description, visibility } = p as Record<string, unknown>;
  if (name) head += xmlElement('name', xmlText(valueText(name)));
  if (description) head += xmlElement('description', xmlText(valueText(description)));
  if (visibility !== undefined) head += `<visibility>${visibility ? '1' : '0'}</visibility>`;
  return head + kmlStyle(feature);
}

/** A name or description: a string, number or boolean as text, an object as JSON. */
const valueText = (value: unknown): string =>
  typeof value === 'object' ? (JSON.stringify(value) ?? '') : typeof value === 'function' ? '' : String(value);

/** A feature's ExtendedData: every property but name, description and visibility. */
function extendedData(feature: Feature<Geometry | null>): string {
  const p = feature.properties;
  if (!p) return '';
  const data = Object.entries(p)
    .filter(([key]) => key !== 'name' && key !== 'description' && key !== 'visibility')
    .map(([key, value]) => kmlData(key, value))
    .join('');
  return xmlElement('ExtendedData', data);
}

/** A geometry as KML (points, lines, polygons with their holes, and collections of them). */
export function kmlGeometry(g: Geometry): string {
  const ring = (r: Position[]) => `<LinearRing>${coordinates(r)}</LinearRing>`;
  const many = (parts: string[]) => xmlElement('MultiGeometry', parts.map((part) => `\n${part}`).join(''));
  switch (g.type) {
    case 'Point':
      return `<Point><coordinates>${kmlPosition(g.coordinates)}</coordinates></Point>`;
    case 'LineString':
      return `<LineString>${coordinates(g.coordinates)}</LineString>`;
    case 'Polygon': {
      const [outer, ...holes] = g.coordinates;
      return `<Polygon>\n<outerBoundaryIs>\n  ${ring(outer ?? [])}</outerBoundaryIs>${holes
        .map((hole) => `\n<innerBoundaryIs>\n  ${ring(hole)}</innerBoundaryIs>`)
        .join('')}</Polygon>`;
    }
    case 'MultiPoint':
      return many(g.coordinates.map((coordinates) => kmlGeometry({ type: 'Point', coordinates })));
    case 'MultiLineString':
      return many(g.coordinates.map((coordinates) => kmlGeometry({ type: 'LineString', coordinates })));
    case 'MultiPolygon':
      return many(g.coordinates.map((coordinates) => kmlGeometry({ type: 'Polygon', coordinates })));
    case 'GeometryCollection':
      return many(g.geometries.map(kmlGeometry));
  }
}

const coordinates = (list: Position[]): string => xmlElement('coordinates', list.map(kmlPosition).join('\n'));

/** One Placemark, whole. */
export function kmlPlacemark(feature: Feature<Geometry | null>): string {
  const geometry = feature.geometry ? kmlGeometry(feature.geometry) : '';
  return `${kmlPlacemarkHead(feature)}${extendedData(feature)}\n  ${geometry}</Placemark>`;
}

/**
 * A FeatureCollection as a KML file, a Placemark a piece.
 *
 * @example [...kmlDocument(collection)].join('')
 */
export function* kmlDocument(collection: FeatureCollection): Generator<string> {
  if (collection.features.length === 0) {
    yield KML_OPEN + KML_EMPTY;
    return;
  }
  yield `${KML_OPEN}<Document>`;
  for (const feature of collection.features) yield kmlPlacemark(feature);
  yield '</Document></kml>';
}
