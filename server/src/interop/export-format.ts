import { toKML } from '@placemarkio/tokml';
import { DOMImplementation, XMLSerializer, type Element as XmlElement } from '@xmldom/xmldom';
import type { Feature, FeatureCollection, Position } from 'geojson';

import type { ExportFormat } from './export-types.ts';
import { withKmlStyles } from './kml-styles.ts';

export type { ExportFormat } from './export-types.ts';

/**
 * A FeatureCollection in the format asked for. KML through `@placemarkio/tokml` (`name` and
 * `description` become the placemark's name and description, every property its ExtendedData),
 * with an inline `<Style>` from the simplestyle colours added (tokml writes none);
 * GPX built as an XML DOM with `@xmldom/xmldom`: points become waypoints, lines tracks (with the
 * fix times of `coordinateProperties.times` when a track carries them), polygons tracks along
 * their outer ring (GPX has no areas).
 */
export function formatExport(collection: FeatureCollection, format: ExportFormat, title: string): string {
  switch (format) {
    case 'geojson':
      return JSON.stringify(collection);
    case 'kml':
      return withKmlStyles(toKML(collection as never), collection.features);
    case 'gpx':
      return toGpx(collection, title);
  }
}

const GPX_NS = 'http://www.topografix.com/GPX/1/1';

function toGpx(collection: FeatureCollection, title: string): string {
  const doc = new DOMImplementation().createDocument(GPX_NS, 'gpx', null);
  const gpx = doc.documentElement!;
  gpx.setAttribute('version', '1.1');
  gpx.setAttribute('creator', 'JointMap 联勤图');
  const el = (parent: XmlElement, name: string, text?: string): XmlElement => {
    const child = doc.createElementNS(GPX_NS, name);
    // XML 1.0 has no place for control characters: a label pasted with one still makes valid GPX.
    if (text !== undefined)
      child.appendChild(doc.createTextNode(text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')));
    parent.appendChild(child);
    return child;
  };
  const metadata = el(gpx, 'metadata');
  el(metadata, 'name', title);
  el(metadata, 'time', new Date().toISOString());
  const point = (parent: XmlElement, tag: string, p: Position, time?: number) => {
    const pt = el(parent, tag);
    pt.setAttribute('lat', String(p[1]));
    pt.setAttribute('lon', String(p[0]));
    if (p[2] !== undefined) el(pt, 'ele', String(p[2]));
    if (time !== undefined) el(pt, 'time', new Date(time).toISOString());
    return pt;
  };
  const named = (node: XmlElement, f: Feature) => {
    const name = f.properties?.name;
    if (typeof name === 'string' && name) el(node, 'name', name);
    const desc = f.properties?.description;
    if (typeof desc === 'string' && desc) el(node, 'desc', desc);
  };
  const waypoints: Array<() => void> = [];
  const tracks: Array<() => void> = [];
  for (const f of collection.features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === 'Point') {
      waypoints.push(() => named(point(gpx, 'wpt', g.coordinates), f));
    } else if (g.type === 'LineString' || g.type === 'Polygon') {
      const line = g.type === 'LineString' ? g.coordinates : g.coordinates[0]!;
      const times = (f.properties?.coordinateProperties as { times?: number[] } | undefined)?.times;
      tracks.push(() => {
        const trk = el(gpx, 'trk');
        named(trk, f);
        const seg = el(trk, 'trkseg');
        line.forEach((p, i) => point(seg, 'trkpt', p, times?.[i]));
      });
    }
  }
  // GPX 1.1 wants waypoints before tracks.
  for (const write of [...waypoints, ...tracks]) write();
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
}
