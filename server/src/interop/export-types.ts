export type ExportFormat = 'geojson' | 'kml' | 'gpx';

/** Media type and file extension of each export format. */
export const EXPORT_TYPES: Record<ExportFormat, { type: string; extension: string }> = {
  geojson: { type: 'application/geo+json; charset=utf-8', extension: 'geojson' },
  kml: { type: 'application/vnd.google-earth.kml+xml; charset=utf-8', extension: 'kml' },
  gpx: { type: 'application/gpx+xml; charset=utf-8', extension: 'gpx' },
};
