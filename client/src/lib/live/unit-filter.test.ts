import { describe, expect, it } from 'vitest';
import {
  matchesUnitFilter,
  NO_UNIT_FILTER,
  unitFilterActive,
  unitFilterExpression,
  type UnitFilter,
} from './unit-filter.ts';

const units = [
  { stationId: 'a', kind: 'car', status: 'available' },
  { stationId: 'a', kind: 'foot', status: 'busy' },
  { stationId: 'b', kind: 'car', status: 'busy' },
];

describe('unit filter', () => {
  it('passes everything when empty', () => {
    expect(unitFilterActive(NO_UNIT_FILTER)).toBe(false);
    expect(units.every((u) => matchesUnitFilter(NO_UNIT_FILTER, u))).toBe(true);
    expect(unitFilterExpression(NO_UNIT_FILTER)).toBeNull();
  });

  it('combines station, kind and status', () => {
    const f: UnitFilter = { stationId: 'a', kind: '', status: 'busy' };
    expect(unitFilterActive(f)).toBe(true);
    expect(units.filter((u) => matchesUnitFilter(f, u))).toEqual([units[1]]);
    expect(units.filter((u) => matchesUnitFilter({ ...NO_UNIT_FILTER, kind: 'car' }, u))).toEqual([units[0], units[2]]);
  });

  it('builds the map filter from the same fields', () => {
    expect(unitFilterExpression({ stationId: 'b', kind: '', status: '' })).toEqual(['==', ['get', 'stationId'], 'b']);
    expect(unitFilterExpression({ stationId: 'a', kind: 'car', status: 'busy' })).toEqual([
      'all',
      ['==', ['get', 'stationId'], 'a'],
      ['==', ['get', 'kind'], 'car'],
      ['==', ['get', 'status'], 'busy'],
    ]);
  });
});
