import { toFeature, type AnnotationFeature } from '../sync/annotation-index.ts';
import type { ImportResult } from './interop-api.ts';

/** What the import preview draws: the features and the WGS-84 bounds to fit the map to. */
export interface ImportPreview {
  collection: GeoJSON.FeatureCollection<GeoJSON.Geometry, AnnotationFeature['properties']>;
  /** [west, south, east, north]; null when there is nothing to draw. */
  bounds: [number, number, number, number] | null;
}

/**
 * The annotations an import would make, drawn as the main map draws them (`toFeature`: a circle,
 * kept as centre and radius, becomes the polygon of its ring), and the bounds the server gave for
 * them (`bbox`: a circle's whole ring, not its centre), so a file of circles is fitted to the circles.
 *
 * @example importPreview(preview).bounds // preview.bbox, e.g. [120.30, 30.52, 120.32, 30.54]
 */
export function importPreview(preview: Pick<ImportResult, 'scope' | 'annotations' | 'bbox'> | null): ImportPreview {
  const features = (preview?.annotations ?? []).map((a) => toFeature(preview!.scope, a));
  return {
    collection: { type: 'FeatureCollection', features },
    bounds: features.length ? (preview?.bbox ?? null) : null,
  };
}
