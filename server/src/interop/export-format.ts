import type { FeatureCollection } from 'geojson';
import type { ExportFormat } from './export-types.ts';
import { gpxDocument } from './gpx-writer.ts';
import { kmlDocument } from './kml-writer.ts';

export type { ExportFormat } from './export-types.ts';

/**
 * A FeatureCollection in the format asked for: GeoJSON as it is; KML (`kml-writer.ts`: `name` and
 * `description` become the placemark's name and description, every property its ExtendedData,
 * with an inline `<Style>` from the simplestyle colours); GPX (`gpx-writer.ts`: points become
 * waypoints, lines tracks, polygons tracks along their outer ring). `title` names a GPX file's
 * metadata, written at `now`. Exports run this on a worker thread (export-worker.ts).
 */
export function formatExport(
  collection: FeatureCollection,
  format: ExportFormat,
  title: string,
  now = Date.now(),
): string {
  switch (format) {
    case 'geojson':
      return JSON.stringify(collection);
    case 'kml':
      return [...kmlDocument(collection)].join('');
    case 'gpx':
      return [...gpxDocument(collection, title, now)].join('');
  }
}
