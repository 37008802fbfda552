import type { Annotation } from '@jointmap/shared';
import { bboxOf } from '../map/geometry.ts';
import { toFeature, type AnnotationFeature } from '../sync/annotation-index.ts';

/** What the import preview draws: the features and the WGS-84 bounds to fit the map to. */
export interface ImportPreview {
  collection: GeoJSON.FeatureCollection<GeoJSON.Geometry, AnnotationFeature['properties']>;
  /** [west, south, east, north]; null when there is nothing to draw. */
  bounds: [number, number, number, number] | null;
}

/**
 * The annotations an import would make, drawn as the main map draws them (`toFeature`: a circle,
 * kept as centre and radius, becomes the polygon of its ring), and the bounds of what is drawn, so
 * that a file of circles is fitted to the circles and not to their centres.
 *
 * @example importPreview('deqing-yuyue', preview.annotations).bounds // [120.30, 30.52, 120.32, 30.54]
 */
export function importPreview(scope: string, annotations: readonly Annotation[]): ImportPreview {
  const features = annotations.map((a) => toFeature(scope, a));
  const b = bboxOf(features.map((f) => (f.geometry as { coordinates?: unknown }).coordinates));
  return {
    collection: { type: 'FeatureCollection', features },
    bounds: Number.isFinite(b[0]) ? b : null,
  };
}
