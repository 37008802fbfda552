import { describe, expect, it } from 'vitest';
import { NO_UNIT_FILTER } from '../live/unit-filter.ts';
import { groupRadius, MARKER_DIAMETER, splitUnits, unitShown, type UnitVisibility } from './unit-grouping.ts';

const unit = (key: string, stationId: string, kind: string, status: string) => ({
  id: key,
  properties: { key, stationId, kind, status },
});
const UNITS = [
  unit('deqing-yuyue/car-01', 'deqing-yuyue', 'car', 'available'),
  unit('deqing-yuyue/drone-01', 'deqing-yuyue', 'drone', 'available'),
  unit('linping-yunhe/car-01', 'linping-yunhe', 'car', 'en_route'),
  unit('tongxiang-zhouquan/dog-01', 'tongxiang-zhouquan', 'dog', 'off_duty'),
];
const all: UnitVisibility = { hiddenScopes: [], filter: null, pinned: new Set() };
const keys = (fs: Array<{ properties: { key: string } }>) => fs.map((f) => f.properties.key);

describe('unit grouping: what the grouped and pinned sources get', () => {
  it('gives every unit to the grouped source when nothing is hidden, filtered or pinned', () => {
    const { grouped, pinned } = splitUnits(UNITS, all);
    expect(keys(grouped)).toEqual(keys(UNITS));
    expect(grouped.map((f) => f.properties.pinned)).toEqual([0, 0, 0, 0]);
    expect(pinned).toEqual([]);
  });

  it('leaves units of hidden stations and units the roster filter hides out of the data, so no group counts them', () => {
    const v = { ...all, hiddenScopes: ['tongxiang-zhouquan'], filter: { ...NO_UNIT_FILTER, kind: 'car' as const } };
    expect(keys(splitUnits(UNITS, v).grouped)).toEqual(['deqing-yuyue/car-01', 'linping-yunhe/car-01']);
    expect(unitShown(UNITS[3]!.properties, { ...all, hiddenScopes: ['tongxiang-zhouquan'] })).toBe(false);
    expect(unitShown(UNITS[2]!.properties, { ...all, filter: { ...NO_UNIT_FILTER, status: 'en_route' } })).toBe(true);
  });

  it('pins the selected unit: drawn on its own and still counted in its group, flagged for the badge', () => {
    const v = { ...all, pinned: new Set(['linping-yunhe/car-01']) };
    const { grouped, pinned } = splitUnits(UNITS, v);
    expect(keys(pinned)).toEqual(['linping-yunhe/car-01']);
    expect(keys(grouped)).toEqual(keys(UNITS));
    expect(grouped.find((f) => f.properties.key === 'linping-yunhe/car-01')!.properties.pinned).toBe(1);
  });

  it('does not pin a selected unit the filter hides', () => {
    const v = {
      ...all,
      filter: { ...NO_UNIT_FILTER, stationId: 'deqing-yuyue' },
      pinned: new Set(['linping-yunhe/car-01']),
    };
    expect(splitUnits(UNITS, v).pinned).toEqual([]);
  });

  it('groups markers closer than a marker is wide, growing with the text scale', () => {
    expect(groupRadius(1)).toBe(MARKER_DIAMETER - 2);
    expect(groupRadius(1.4)).toBe(34);
    expect(groupRadius(2.8)).toBe(67);
  });
});
