import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { sendAttachment } from '../routes/attachment.ts';
import { EXPORT_TYPES, type ExportFormat } from './export-types.ts';
import { GPX_CLOSE, gpxName, gpxOpen, gpxPoint, gpxTime } from './gpx-writer.ts';
import { KML_EMPTY, KML_OPEN, kmlData, kmlGeometry, kmlPlacemarkHead, kmlPosition } from './kml-writer.ts';
import type { TrackColumns } from './track-columns.ts';
import { xmlText } from './xml-text.ts';

/** Fixes written per chunk of the response. */
const CHUNK = 2_000;

/** What a track file says of itself besides its fixes. */
export interface TrackFileMeta {
  unitId: string;
  stationId: string;
  /** The window asked for, epoch ms. */
  from: number;
  to: number;
  /** The file's title (GPX metadata), its name without the extension. */
  title: string;
}

/**
 * Send a unit's whole track as a file (`<title>.<ext>`), written a chunk at a time as the client
 * reads it: the same GeoJSON, KML and GPX as `formatExport` makes of `trackToGeoJson` (one
 * LineString, a Point for a single fix, no feature for none; GPX with each fix's time), from the
 * same KML and GPX pieces, but for any number of fixes without holding them all as features.
 */
export function sendTrackFile(
  reply: FastifyReply,
  track: TrackColumns,
  format: ExportFormat,
  meta: TrackFileMeta,
): FastifyReply {
  const { type, extension } = EXPORT_TYPES[format];
  return sendAttachment(reply, type, { name: meta.title, fallback: 'track', extension }).send(
    Readable.from(trackFileChunks(track, format, meta)),
  );
}

/** The file's text in pieces (see {@link sendTrackFile}). */
export function* trackFileChunks(
  track: TrackColumns,
  format: ExportFormat,
  meta: TrackFileMeta,
  chunk = CHUNK,
): Generator<string> {
  const each = eachIn(chunk);
  switch (format) {
    case 'geojson':
      return yield* geojson(track, meta, each);
    case 'kml':
      return yield* kml(track, meta, each);
    case 'gpx':
      return yield* gpx(track, meta, each);
  }
}

/** `f(i)` for every fix, joined by `sep`, `chunk` fixes a piece. */
type Each = (track: TrackColumns, sep: string, f: (i: number) => string) => Generator<string>;

const eachIn = (chunk: number): Each =>
  function* (track, sep, f) {
    for (let start = 0; start < track.length; start += chunk) {
      const end = Math.min(track.length, start + chunk);
      const parts: string[] = [];
      for (let i = start; i < end; i++) parts.push(f(i));
      yield (start > 0 ? sep : '') + parts.join(sep);
    }
  };

const orNull = (x: number) => (Number.isNaN(x) ? 'null' : String(x));
const trackName = (meta: TrackFileMeta) => `${meta.stationId}/${meta.unitId}`;

function* geojson(track: TrackColumns, meta: TrackFileMeta, each: Each): Generator<string> {
  const { unitId, stationId, from, to } = meta;
  const head = { unitId, stationId, from, to, count: track.length, truncated: false };
  yield `{"type":"FeatureCollection","crs":"WGS-84","properties":${JSON.stringify(head)},"features":[`;
  if (track.length > 0) {
    const column = function* (name: string, f: (i: number) => string) {
      yield `${JSON.stringify(name)}:[`;
      yield* each(track, ',', f);
      yield ']';
    };
    yield `{"type":"Feature","properties":${JSON.stringify(head).slice(0, -1)},"coordinateProperties":{`;
    yield* column('times', (i) => String(track.time[i]));
    yield ',';
    yield* column('speedsMps', (i) => orNull(track.speed[i]!));
    yield ',';
    yield* column('bearings', (i) => orNull(track.bearing[i]!));
    yield ',';
    yield* column('deviceIds', (i) => JSON.stringify(track.devices[track.device[i]!]));
    yield `},"name":${JSON.stringify(trackName(meta))}},"geometry":`;
    const at = (i: number) => `[${track.lng[i]},${track.lat[i]}]`;
    if (track.length === 1) yield `{"type":"Point","coordinates":${at(0)}}`;
    else {
      yield '{"type":"LineString","coordinates":[';
      yield* each(track, ',', at);
      yield ']}';
    }
    yield '}';
  }
  yield ']}';
}

/** As `kmlDocument` writes a track's feature: its properties as ExtendedData, then the geometry. */
function* kml(track: TrackColumns, meta: TrackFileMeta, each: Each): Generator<string> {
  if (track.length === 0) {
    yield KML_OPEN + KML_EMPTY;
    return;
  }
  const { unitId, stationId, from, to } = meta;
  const head = kmlPlacemarkHead({ type: 'Feature', geometry: null, properties: { name: trackName(meta) } });
  yield `${KML_OPEN}<Document>${head}<ExtendedData>`;
  yield Object.entries({ unitId, stationId, from, to, count: track.length, truncated: false })
    .map(([name, value]) => kmlData(name, value))
    .join('');
  // The per-fix values, as JSON, as `kmlData` writes an object-valued property.
  yield `\n  <Data name="coordinateProperties"><value>{"times":[`;
  yield* each(track, ',', (i) => String(track.time[i]));
  yield '],"speedsMps":[';
  yield* each(track, ',', (i) => orNull(track.speed[i]!));
  yield '],"bearings":[';
  yield* each(track, ',', (i) => orNull(track.bearing[i]!));
  yield '],"deviceIds":[';
  yield* each(track, ',', (i) => xmlText(JSON.stringify(track.devices[track.device[i]!])));
  yield ']}</value></Data></ExtendedData>\n  ';
  const at = (i: number): [number, number] => [track.lng[i]!, track.lat[i]!];
  if (track.length === 1) yield kmlGeometry({ type: 'Point', coordinates: at(0) });
  else {
    yield '<LineString><coordinates>';
    yield* each(track, '\n', (i) => kmlPosition(at(i)));
    yield '</coordinates></LineString>';
  }
  yield '</Placemark></Document></kml>';
}

/** As `gpxDocument` writes a track's feature, with each fix's time. */
function* gpx(track: TrackColumns, meta: TrackFileMeta, each: Each): Generator<string> {
  yield gpxOpen(meta.title, Date.now());
  const name = gpxName(trackName(meta));
  const point = (tag: string, i: number, inner = '') =>
    gpxPoint(tag, track.lng[i]!, track.lat[i]!, gpxTime(track.time[i]!) + inner);
  // A single fix is a waypoint (GPX wants its time before its name).
  if (track.length === 1) yield point('wpt', 0, name);
  else if (track.length > 1) {
    yield `<trk>${name}<trkseg>`;
    yield* each(track, '', (i) => point('trkpt', i));
    yield '</trkseg></trk>';
  }
  yield GPX_CLOSE;
}
