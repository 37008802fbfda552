import { describe, expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { buildTask, geometryFromAnnotation, jurisdictionsOf, raiseProblem, type RaiseInput } from './raise-task.ts';

const input = (overrides: Partial<RaiseInput> = {}): RaiseInput => ({
  title: '  协查走失老人  ',
  description: ' 骑蓝色三轮车 ',
  priority: 'urgent',
  nonPolice: false,
  targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
  geometry: { type: 'Point', coordinates: [120.3, 30.53] },
  ...overrides,
});
const ids = { id: 't-abcdefghij', stationId: 'linping-yunhe', userId: 'u-linping', now: 1_700_000_000_000 };

describe('buildTask', () => {
  test('a point task: trimmed text, open, created and updated now, by me', () => {
    expect(buildTask(input(), ids)).toEqual({
      id: 't-abcdefghij',
      stationId: 'linping-yunhe',
      title: '协查走失老人',
      description: '骑蓝色三轮车',
      location: { type: 'Point', coordinates: [120.3, 30.53] },
      area: null,
      priority: 'urgent',
      targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
      state: 'open',
      nonPolice: false,
      createdBy: 'u-linping',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
  });
  test('an area task keeps the polygon as its area and never targets the raising station', () => {
    const area = fixtures.searchPolygon().geometry as { type: 'Polygon'; coordinates: Array<Array<[number, number]>> };
    const task = buildTask(input({ geometry: area, targetStations: ['linping-yunhe', 'deqing-yuyue'] }), ids);
    expect([task.location, task.area, task.targetStations]).toEqual([null, area, ['deqing-yuyue']]);
  });
});

describe('raiseProblem', () => {
  test('a valid task has none, in a station or the command document', () => {
    expect(raiseProblem(buildTask(input(), ids), 'station')).toBeNull();
    expect(raiseProblem(buildTask(input(), { ...ids, stationId: 'command' }), 'command')).toBeNull();
  });
  test('no title, no target, or what the schema refuses', () => {
    expect(raiseProblem(buildTask(input({ title: '   ' }), ids), 'station')).toEqual({ kind: 'title' });
    expect(raiseProblem(buildTask(input({ targetStations: [] }), ids), 'station')).toEqual({ kind: 'targets' });
    // The schema's finding comes as structure too: the field, the rule and its limit.
    expect(raiseProblem(buildTask(input({ title: 'x'.repeat(121) }), ids), 'station')).toEqual({
      kind: 'invalid',
      problem: expect.stringMatching(/^tasks\/t-abcdefghij\/title: /),
      issues: [expect.objectContaining({ path: '/title', kind: 'maxLength', limit: 120 })],
    });
    expect(
      raiseProblem(buildTask(input({ geometry: { type: 'Point', coordinates: [200, 30] } }), ids), 'station'),
    ).toEqual({
      kind: 'invalid',
      problem: expect.stringMatching(/^tasks\/t-abcdefghij\/location/),
      issues: [expect.objectContaining({ path: '/location/coordinates/0', kind: 'maximum', limit: 180 })],
    });
    // A station's task does not belong in the command document: no schema issue to point at.
    expect(raiseProblem(buildTask(input(), ids), 'command')).toEqual({
      kind: 'invalid',
      problem: 'tasks/t-abcdefghij: a command task has stationId "command"',
      issues: [],
    });
  });
});

describe('geometryFromAnnotation', () => {
  test('points and texts give a location, polygons an area, circles their ring, lines nothing', () => {
    expect(geometryFromAnnotation(fixtures.lastKnownPoint())).toEqual({
      type: 'Point',
      coordinates: [120.2954, 30.5222],
    });
    expect(geometryFromAnnotation(fixtures.lastKnownPoint({ kind: 'text' }))?.type).toBe('Point');
    expect(geometryFromAnnotation(fixtures.searchPolygon())).toEqual(fixtures.searchPolygon().geometry);
    const circle = geometryFromAnnotation(fixtures.lastKnownPoint({ kind: 'circle', radiusM: 500 }));
    expect(circle?.type).toBe('Polygon');
    const ring = (circle as { coordinates: number[][][] }).coordinates[0]!;
    expect(ring).toHaveLength(65);
    expect(ring[0]).toEqual(ring[64]);
    const line = fixtures.searchPolygon({
      kind: 'line',
      geometry: {
        type: 'LineString',
        coordinates: [
          [120.1, 30.5],
          [120.2, 30.5],
        ],
      },
    });
    expect(geometryFromAnnotation(line)).toBeNull();
  });
});

test('jurisdictions come from the features that carry a station id and an area', () => {
  const square = {
    type: 'Polygon' as const,
    coordinates: [
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
    ],
  };
  const fc: GeoJSON.FeatureCollection = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { stationId: 'a', name: 'A' }, geometry: square },
      { type: 'Feature', properties: { name: 'no id' }, geometry: square },
      { type: 'Feature', properties: { stationId: 'b' }, geometry: { type: 'Point', coordinates: [0, 0] } },
    ],
  };
  expect(jurisdictionsOf(fc)).toEqual([{ stationId: 'a', area: square }]);
});
