import { gpx, kml } from '@tmcw/togeojson';
import { DOMParser, type Document as XmlDocument } from '@xmldom/xmldom';
import { unzipSync } from 'fflate';
import type { FeatureCollection } from 'geojson';
// shared/ by path, not its index: this runs on an import worker, which loads only what it needs.
import { AppError } from '@jointmap/shared/errors';

export type ImportFormat = 'geojson' | 'kml' | 'kmz' | 'gpx';

const bad = (message: string) => new AppError('INVALID_PAYLOAD', message);

/**
 * A file as another tool wrote it, read into GeoJSON: GeoJSON (a FeatureCollection, a Feature or
 * a bare geometry), KML, KMZ (its main KML) or GPX, told apart by content, not by name, and read
 * in the encoding its byte order mark or XML declaration names (`decodeText`). KML and GPX go
 * through `@tmcw/togeojson` (styles become `stroke`/`fill`/`marker-color` properties, KML folders
 * are flattened). `maxBytes` bounds what a KMZ may unpack to. A file of more than `maxFeatures`
 * features is refused (`PAYLOAD_TOO_LARGE`) before it is converted, XML before its DOM is built
 * (`countFeatures`): the DOM of 190,000 placemarks took 1.8 GB.
 */
export function parseImport(
  bytes: Uint8Array,
  maxBytes: number,
  maxFeatures: number,
): { format: ImportFormat; collection: FeatureCollection } {
  if (bytes.byteLength === 0) throw bad('the file is empty');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b)
    return { format: 'kmz', collection: fromKml(unzipKml(bytes, maxBytes), maxFeatures) };
  const text = decodeText(bytes);
  const start = text.trimStart();
  if (start.startsWith('{')) return { format: 'geojson', collection: fromGeoJson(text, maxFeatures) };
  if (start.startsWith('<')) {
    refuseOver(countFeatures(text), maxFeatures);
    const doc = parseXml(text);
    const root = doc.documentElement?.localName;
    if (root === 'kml' || root === 'gpx') return { format: root, collection: toGeoJson(doc, root) };
    throw bad(`an XML file with <${root ?? '?'}> at its root is neither KML nor GPX`);
  }
  throw bad('not a GeoJSON, KML, KMZ or GPX file');
}

/**
 * How many features an XML file holds, read from its text: the `<Placemark>` of KML, the `<wpt>`,
 * `<trk>` and `<rte>` of GPX (any namespace prefix; `<trkpt>`, `<trkseg>` and `<rtept>` are parts).
 */
export function countFeatures(text: string): number {
  return text.match(/<(?:[\w.-]+:)?(?:Placemark|wpt|trk|rte)[\s/>]/g)?.length ?? 0;
}

function refuseOver(features: number, maxFeatures: number): void {
  if (features > maxFeatures)
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `${features} features: at most ${maxFeatures} are imported at once (split the file)`,
    );
}

function fromKml(text: string, maxFeatures: number): FeatureCollection {
  refuseOver(countFeatures(text), maxFeatures);
  const doc = parseXml(text);
  if (doc.documentElement?.localName !== 'kml') throw bad('the KMZ holds no KML document');
  return toGeoJson(doc, 'kml');
}

/**
 * A KML or GPX DOM as GeoJSON (`@tmcw/togeojson`). What the reader throws on is the file's fault
 * and refused as `INVALID_PAYLOAD`, worded: geometries nested past what its recursion follows
 * (a stack overflow), a data field named like a property every object has (`hasOwnProperty`,
 * which its type lookup calls), else its own message (the error kept as `cause`, to be logged).
 */
function toGeoJson(doc: XmlDocument, format: 'kml' | 'gpx'): FeatureCollection {
  const what = format.toUpperCase();
  try {
    return (format === 'kml' ? kml(doc as never) : gpx(doc as never)) as FeatureCollection;
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message))
      throw bad(`the ${what} nests its elements (such as MultiGeometry) too deeply to read`);
    const field = inheritedName(doc);
    if (field !== undefined)
      throw bad(`the ${what} has a data field named "${field}", a name that cannot be read: rename the field`);
    const message = err instanceof Error ? err.message : String(err);
    throw Object.assign(bad(`the ${what} cannot be read: ${message.split('\n')[0]}`), { cause: err });
  }
}

/**
 * The first `name` of a KML `<SimpleData>` that is also a property of every object
 * (`hasOwnProperty`, `__proto__`): the reader looks its type up in a plain object and calls that.
 */
function inheritedName(doc: XmlDocument): string | undefined {
  const list = doc.getElementsByTagName('SimpleData');
  for (let i = 0; i < list.length; i++) {
    const name = list.item(i)?.getAttribute('name');
    if (name && name in Object.prototype) return name;
  }
  return undefined;
}

function parseXml(text: string): XmlDocument {
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
    return doc;
  } catch (err) {
    throw bad(`the XML cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The KMZ's main KML (`doc.kml`, else the first `.kml` at any depth). */
function unzipKml(bytes: Uint8Array, maxBytes: number): string {
  let files: Record<string, Uint8Array>;
  try {
    let total = 0;
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!f.name.toLowerCase().endsWith('.kml')) return false;
        total += f.originalSize;
        if (total > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', 'the KMZ unpacks to more than the import limit');
        return true;
      },
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw bad(`the KMZ cannot be unpacked: ${(err as Error).message}`);
  }
  const names = Object.keys(files).sort((a, b) => (a === 'doc.kml' ? -1 : b === 'doc.kml' ? 1 : a.localeCompare(b)));
  if (!names.length) throw bad('the KMZ holds no KML document');
  return decodeText(files[names[0]!]!);
}

/**
 * A file's text in the encoding it declares: a byte order mark (UTF-8, UTF-16), else an XML
 * declaration's `encoding=` (Chinese tools write GBK, GB18030 or Big5), else UTF-8, which XML
 * without a declaration must be. JSON that is not UTF-8 is read as GB18030 (a superset of GBK:
 * ogr2ogr keeps a Chinese shapefile's GBK labels) when it is valid as such. A file that cannot be
 * read in its encoding is refused rather than imported with garbled labels.
 */
function decodeText(bytes: Uint8Array): string {
  const { label, body, why } = encodingOf(bytes);
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  } catch {
    throw bad(`the file declares the encoding "${label}", which is unknown (save it as UTF-8)`);
  }
  try {
    return decoder.decode(body);
  } catch {
    if (label === 'utf-8' && !/^\s*</.test(ascii(body))) return decodeChineseJson(body);
    throw bad(`the file is not valid ${label} (${why}; save it as UTF-8)`);
  }
}

/** JSON that is not UTF-8, read as GB18030 (which GBK files are); refused when it is not that either. */
function decodeChineseJson(body: Uint8Array): string {
  try {
    return new TextDecoder('gb18030', { fatal: true }).decode(body);
  } catch {
    throw bad('the file is neither valid UTF-8 nor GBK/GB18030 (save it as UTF-8)');
  }
}

const BOMS: ReadonlyArray<[string, number[]]> = [
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
];

function encodingOf(bytes: Uint8Array): { label: string; body: Uint8Array; why: string } {
  const bom = BOMS.find(([, mark]) => mark.every((b, i) => bytes[i] === b));
  if (bom) return { label: bom[0], body: bytes.subarray(bom[1].length), why: `its byte order mark says ${bom[0]}` };
  // The declaration is ASCII in every encoding it may name, UTF-16 without a mark aside.
  const head = ascii(bytes);
  if (head.startsWith('<\0?\0')) return { label: 'utf-16le', body: bytes, why: 'it starts as utf-16le' };
  if (head.startsWith('\0<\0?')) return { label: 'utf-16be', body: bytes, why: 'it starts as utf-16be' };
  const declared = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']/.exec(head)?.[1]?.trim().slice(0, 40);
  if (declared) return { label: declared, body: bytes, why: `its XML declaration says ${declared}` };
  return { label: 'utf-8', body: bytes, why: 'XML without an encoding declaration must be utf-8' };
}

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes.subarray(0, 256));

function fromGeoJson(text: string, maxFeatures: number): FeatureCollection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(`the GeoJSON is not JSON: ${(err as Error).message}`);
  }
  const v = value as { type?: string; features?: unknown; geometry?: unknown };
  if (v?.type === 'FeatureCollection' && Array.isArray(v.features)) {
    // Features without a geometry (CalTopo's folders) make nothing and are not counted.
    refuseOver(v.features.filter((f) => (f as { geometry?: unknown } | null)?.geometry).length, maxFeatures);
    return value as FeatureCollection;
  }
  if (v?.type === 'Feature') return { type: 'FeatureCollection', features: [value as never] };
  if (typeof v?.type === 'string' && 'coordinates' in (v as object))
    return { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: value as never }] };
  if (v?.type === 'GeometryCollection')
    return { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: value as never }] };
  throw bad('the JSON is not GeoJSON (no FeatureCollection, Feature or geometry)');
}
