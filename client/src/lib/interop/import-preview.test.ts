import { describe, expect, test } from 'vitest';
import type { Annotation } from '@jointmap/shared';
import { distanceM } from '../map/geometry.ts';
import { importPreview } from './import-preview.ts';

const annotation = (a: Partial<Annotation>): Annotation =>
  ({
    id: 'imp-1-1',
    kind: 'point',
    geometry: { type: 'Point', coordinates: [120.3, 30.5] },
    label: '',
    color: '#dc2626',
    author: 'u1',
    createdAt: 1,
    updatedAt: 1,
    ...a,
  }) as Annotation;

/** What the server answers for a file (`bbox` as `convertFeatures` gives it: circles whole). */
const result = (annotations: Annotation[], bbox: [number, number, number, number] | null) => ({
  scope: 'deqing-yuyue',
  annotations,
  bbox,
});

describe('the import preview on the map', () => {
  test('an imported circle is drawn as the polygon of its ring, in its colour, fitted to the server’s bbox', () => {
    const circle = annotation({
      kind: 'circle',
      geometry: { type: 'Point', coordinates: [120.31, 30.53] },
      radiusM: 500,
      label: '搜索圈500米',
    });
    // The server's bbox of a 500 m circle (its ring, as `convertFeatures` gives it).
    const bbox: [number, number, number, number] = [120.30481, 30.5255, 120.31519, 30.5345];
    const { collection, bounds } = importPreview(result([circle], bbox));
    const [feature] = collection.features;
    expect(feature!.properties).toMatchObject({ label: '搜索圈500米', color: '#dc2626', kind: 'circle' });
    expect(feature!.geometry.type).toBe('Polygon');
    const ring = (feature!.geometry as GeoJSON.Polygon).coordinates[0]!;
    expect(ring.length).toBeGreaterThan(8);
    expect(ring[0]).toEqual(ring.at(-1));
    for (const p of ring) expect(distanceM([120.31, 30.53], [p[0]!, p[1]!])).toBeCloseTo(500, 0);
    // The server's, as it is: not bounds of its own.
    expect(bounds).toEqual(bbox);
  });

  test('points, lines and polygons are drawn as they are, fitted to the server’s bbox; nothing has no bounds', () => {
    const line = annotation({
      id: 'imp-1-2',
      kind: 'line',
      geometry: {
        type: 'LineString',
        coordinates: [
          [120.2, 30.4],
          [120.25, 30.45],
        ],
      },
    });
    const point = annotation({
      kind: 'text',
      label: '集合点',
      geometry: { type: 'Point', coordinates: [120.4, 30.6] },
    });
    const { collection, bounds } = importPreview(result([line, point], [120.2, 30.4, 120.4, 30.6]));
    expect(collection.features.map((f) => f.geometry)).toEqual([line.geometry, point.geometry]);
    expect(bounds).toEqual([120.2, 30.4, 120.4, 30.6]);
    expect(importPreview(result([], null))).toEqual({
      collection: { type: 'FeatureCollection', features: [] },
      bounds: null,
    });
    expect(importPreview(null).bounds).toBeNull();
  });
});
