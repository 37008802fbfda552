import type { Feature, FeatureCollection, Position } from 'geojson';
import { XML_HEAD, xmlText } from './xml-text.ts';

/**
 * GPX 1.1 written as text, a piece at a time, for annotation and sector exports (`gpxDocument`)
 * and for track files (track-file.ts, from the same pieces). It writes what the `@xmldom/xmldom`
 * document the exports were built as before serialised to (8–21 s for 2,000 tracks × 250 points).
 */

/** The file up to its first waypoint or track: the root and the metadata (`title`, written `now`). */
export const gpxOpen = (title: string, now: number): string =>
  `${XML_HEAD}<gpx version="1.1" creator="JointMap 联勤图" xmlns="http://www.topografix.com/GPX/1/1">` +
  `<metadata><name>${xmlText(title)}</name><time>${new Date(now).toISOString()}</time></metadata>`;

/** The end of the file. */
export const GPX_CLOSE = '</gpx>';

/** A `<name>` (GPX puts it after a point's elevation and time). */
export const gpxName = (name: string): string => `<name>${xmlText(name)}</name>`;

/** A `<time>` of an epoch ms. */
export const gpxTime = (time: number): string => `<time>${new Date(time).toISOString()}</time>`;

/** A `wpt` or `trkpt` at `lat`, `lon` with its child elements (`<wpt …/>` without any). */
export const gpxPoint = (tag: string, lng: number, lat: number, inner = ''): string =>
  inner ? `<${tag} lat="${lat}" lon="${lng}">${inner}</${tag}>` : `<${tag} lat="${lat}" lon="${lng}"/>`;

/** A position (with its elevation when it has one) and a fix time. */
const point = (tag: string, p: Position, time?: number, inner = ''): string =>
  gpxPoint(
    tag,
    p[0]!,
    p[1]!,
    `${p[2] !== undefined ? `<ele>${p[2]}</ele>` : ''}${time !== undefined ? gpxTime(time) : ''}${inner}`,
  );

/** A feature's `name` and `description` (strings only) as `<name>` and `<desc>`. */
function named(f: Feature): string {
  const name = f.properties?.name;
  const desc = f.properties?.description;
  return (
    (typeof name === 'string' && name ? gpxName(name) : '') +
    (typeof desc === 'string' && desc ? `<desc>${xmlText(desc)}</desc>` : '')
  );
}

/**
 * A FeatureCollection as a GPX file, a waypoint or track a piece: points become waypoints, lines
 * tracks (with the fix times of `coordinateProperties.times` when a track carries them), polygons
 * tracks along their outer ring (GPX has no areas); other geometries are left out. Waypoints come
 * first, as GPX 1.1 wants.
 *
 * @example [...gpxDocument(collection, '德清-临平联合搜索', Date.now())].join('')
 */
export function* gpxDocument(collection: FeatureCollection, title: string, now: number): Generator<string> {
  yield gpxOpen(title, now);
  for (const f of collection.features)
    if (f.geometry?.type === 'Point') yield point('wpt', f.geometry.coordinates, undefined, named(f));
  for (const f of collection.features) {
    const g = f.geometry;
    if (g?.type !== 'LineString' && g?.type !== 'Polygon') continue;
    const line = g.type === 'LineString' ? g.coordinates : (g.coordinates[0] ?? []);
    const times = (f.properties?.coordinateProperties as { times?: number[] } | undefined)?.times;
    const points = line.map((p, i) => point('trkpt', p, times?.[i])).join('');
    yield `<trk>${named(f)}${points ? `<trkseg>${points}</trkseg>` : '<trkseg/>'}</trk>`;
  }
  yield GPX_CLOSE;
}
