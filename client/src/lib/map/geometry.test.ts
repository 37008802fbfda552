import { expect, test } from 'vitest';
import { jurisdictionBounds } from './geometry.ts';

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
