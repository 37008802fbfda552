import { expect, test } from 'vitest';
import type { Unit, UnitPosition } from '@jointmap/shared';
import { STALE_COLOR, STATUS_COLORS, unitFeature, unitsByKey } from './unit-features.ts';

const position: UnitPosition = {
  unitId: 'u1',
  stationId: 's1',
  deviceId: 'd1',
  lngLat: [120.3, 30.5],
  time: 1,
  receivedAt: 1,
  speedMps: 3,
  bearing: 90,
  altitude: null,
  accuracy: null,
  battery: null,
  alarm: null,
};
const unit: Unit = {
  id: 'u1',
  callsign: '禹越巡01',
  kind: 'boat',
  stationId: 's1',
  members: [],
  status: 'on_scene',
  assignedTaskId: null,
  deviceIds: ['d1'],
  updatedAt: 1,
};

test('a unit feature is coloured by status when live, grey when stale, hollow and labelled when lost', () => {
  const live = unitFeature(position, unit, 'live', '#123456', '失联');
  expect(live.properties).toMatchObject({
    label: '禹越巡01',
    glyph: '船',
    fill: STATUS_COLORS.on_scene,
    ring: '#123456',
    bearing: 90,
  });
  expect(live.geometry.coordinates).toEqual([120.3, 30.5]);
  expect(unitFeature(position, unit, 'stale', '#123456', '失联').properties.fill).toBe(STALE_COLOR);
  const lost = unitFeature({ ...position, bearing: null }, unit, 'lost', '#123456', '失联');
  expect(lost.properties).toMatchObject({ label: '禹越巡01 失联', fill: 'rgba(0,0,0,0)', bearing: -1 });
  expect(unitFeature(position, undefined, 'live', '#000', 'lost').properties.label).toBe('u1');
});

test("two stations' units of the same id are two features, each with its own record", () => {
  const other: Unit = { ...unit, stationId: 's2', callsign: '运河巡01', kind: 'car' };
  const roster = unitsByKey([unit, other]);
  expect(roster.size).toBe(2);
  const features = [position, { ...position, stationId: 's2', lngLat: [120.2, 30.4] as [number, number] }].map((p) =>
    unitFeature(p, roster.get(`${p.stationId}/${p.unitId}`), 'live', '#000', 'lost'),
  );
  expect(features.map((f) => f.id)).toEqual(['s1/u1', 's2/u1']);
  expect(features.map((f) => [f.properties.key, f.properties.callsign, f.geometry.coordinates])).toEqual([
    ['s1/u1', '禹越巡01', [120.3, 30.5]],
    ['s2/u1', '运河巡01', [120.2, 30.4]],
  ]);
});
