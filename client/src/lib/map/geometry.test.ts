import { describe, expect, test } from 'vitest';
import { formatLngLat, jurisdictionBounds } from './geometry.ts';

const feature = (geometry: GeoJSON.Geometry): GeoJSON.Feature => ({ type: 'Feature', properties: {}, geometry });

test('bounds cover every polygon and multipolygon of the jurisdictions', () => {
  const fc: GeoJSON.FeatureCollection = {
    type: 'FeatureCollection',
    features: [
      feature({
        type: 'Polygon',
        coordinates: [
          [
            [120, 30],
            [120.5, 30],
            [120.5, 30.4],
            [120, 30],
          ],
        ],
      }),
      feature({
        type: 'MultiPolygon',
        coordinates: [
          [
            [
              [119.8, 30.2],
              [119.9, 30.2],
              [119.9, 30.6],
              [119.8, 30.2],
            ],
          ],
        ],
      }),
    ],
  };
  expect(jurisdictionBounds(fc)).toEqual([119.8, 30, 120.5, 30.6]);
});

test('no jurisdictions: nothing to fit', () => {
  expect(jurisdictionBounds({ type: 'FeatureCollection', features: [] })).toBeNull();
});

describe('formatLngLat', () => {
  test('longitude first, five decimals, as every panel shows a position', () => {
    expect(formatLngLat([120.2954, 30.5222])).toBe('120.29540, 30.52220');
    expect(formatLngLat([120.286751, 30.524132])).toBe('120.28675, 30.52413');
  });
});
