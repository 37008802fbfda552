import { expect, test } from 'vitest';
import type { Search, Sector } from '@jointmap/shared';
import { compareSectorNames, searchFeatures } from './sector-features.ts';

const square = (x: number, y: number, d = 0.01): Sector['polygon'] => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + d, y],
      [x + d, y + d],
      [x, y + d],
      [x, y],
    ],
  ],
});

const search = (id: string, status: Search['status']): Search => ({
  id,
  taskId: 't1',
  taskStationId: 'st',
  name: 'n',
  area: square(120, 30, 0.02),
  lastKnown: null,
  lastSeenAt: null,
  travelMode: null,
  status,
  found: null,
  createdBy: 'u',
  createdAt: 1,
  updatedAt: 1,
});

const sector = (id: string, name: string, searchId: string | null, status: Sector['status'] = 'assigned'): Sector => ({
  id,
  name,
  taskId: 't1',
  searchId,
  polygon: square(120, 30),
  assignedStationId: 'st',
  assignedUnitIds: [],
  status,
  sweepWidthM: 30,
  assignedAt: 1,
  updatedAt: 1,
});

test('an active search draws its area, each sector filled by coverage and one "A1 45%" label per sector', () => {
  const fc = searchFeatures([search('s1', 'active')], [sector('x1', 'A1', 's1')], (id) => (id === 'x1' ? 0.456 : null));
  const props = { sectorId: 'x1', searchId: 's1', name: 'A1', status: 'assigned', coverage: 0.456, label: 'A1 45%' };
  const label = fc.features[2]!.geometry as GeoJSON.Point;
  expect(label.coordinates[0]).toBeCloseTo(120.005, 6);
  expect(label.coordinates[1]).toBeCloseTo(30.005, 6);
  expect(fc.features).toEqual([
    {
      type: 'Feature',
      id: 'area/s1',
      geometry: search('s1', 'active').area,
      properties: { role: 'area', searchId: 's1', name: 'n' },
    },
    {
      type: 'Feature',
      id: 'sector/x1',
      geometry: square(120, 30),
      properties: { role: 'sector', ...props, fill: '#d69f14' },
    },
    {
      type: 'Feature',
      id: 'label/x1',
      geometry: label,
      properties: { role: 'label', ...props, fill: '#d69f14' },
    },
  ]);
});

test('sectors of found or closed searches leave the map; unknown coverage draws as 0 %; lone sectors stay', () => {
  const fc = searchFeatures(
    [search('s1', 'found'), search('s2', 'closed'), search('s3', 'active')],
    [sector('a', 'A1', 's1'), sector('b', 'B1', 's2'), sector('c', 'C1', 's3'), sector('d', 'D1', null)],
    () => null,
  );
  expect(fc.features.map((f) => [f.id, f.properties.role === 'area' ? '' : f.properties.label])).toEqual([
    ['area/s3', ''],
    ['sector/c', 'C1 0%'],
    ['label/c', 'C1 0%'],
    ['sector/d', 'D1 0%'],
    ['label/d', 'D1 0%'],
  ]);
});

test('sector names sort as searchers read them', () => {
  expect(['B1', 'A10', 'A2', 'A1b', 'A1a', 'A1'].sort(compareSectorNames)).toEqual([
    'A1',
    'A1a',
    'A1b',
    'A2',
    'A10',
    'B1',
  ]);
});
