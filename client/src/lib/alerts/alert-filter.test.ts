import { describe, expect, test } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { filterAlerts, NO_ALERT_FILTER, openAlertByUnit, wallAlerts } from './alert-filter.ts';
import { formatAlertAge } from './alert-age.ts';

const a = (id: string, over: Partial<Alert>): Alert =>
  ({ id, stationId: 's1', unitId: 'u1', kind: 'overspeed', state: 'open', time: 0, ...over }) as Alert;
const alerts = [
  a('1', { kind: 'sos', stationId: 's1', state: 'open', time: 50 }),
  a('2', { kind: 'overspeed', stationId: 's2', state: 'acknowledged', time: 40 }),
  a('3', { kind: 'overspeed', stationId: 's1', state: 'resolved', time: 30 }),
  a('4', { kind: 'zone_enter', stationId: 's2', state: 'open', time: 10 }),
];
const ids = (list: Alert[]) => list.map((x) => x.id);

describe('alert filters', () => {
  test('filter by kind, station and state, each alone and together', () => {
    expect(ids(filterAlerts(alerts, NO_ALERT_FILTER))).toEqual(['1', '2', '3', '4']);
    expect(ids(filterAlerts(alerts, { ...NO_ALERT_FILTER, kind: 'overspeed' }))).toEqual(['2', '3']);
    expect(ids(filterAlerts(alerts, { ...NO_ALERT_FILTER, stationId: 's2' }))).toEqual(['2', '4']);
    expect(ids(filterAlerts(alerts, { ...NO_ALERT_FILTER, state: 'open' }))).toEqual(['1', '4']);
    expect(ids(filterAlerts(alerts, { ...NO_ALERT_FILTER, state: 'unresolved' }))).toEqual(['1', '2', '4']);
    expect(ids(filterAlerts(alerts, { kind: 'overspeed', stationId: 's1', state: 'resolved' }))).toEqual(['3']);
  });

  test('the wall shows open alerts only, SOS first, then the longest waiting', () => {
    const more = [...alerts, a('5', { kind: 'long_stop', time: 5 }), a('6', { kind: 'sos', time: 70 })];
    expect(ids(wallAlerts(more))).toEqual(['1', '6', '5', '4']);
  });

  test("a unit's badge shows its open alert before an acknowledged one, never a resolved one", () => {
    const list = [
      a('x', { unitId: 'u1', state: 'acknowledged', time: 90 }),
      a('y', { unitId: 'u1', state: 'open', time: 10 }),
      a('z', { unitId: 'u2', state: 'resolved', time: 10 }),
    ];
    const byUnit = openAlertByUnit(list, (x) => x.unitId);
    expect(byUnit.get('u1')?.id).toBe('y');
    expect(byUnit.has('u2')).toBe(false);
  });
});

describe('formatAlertAge', () => {
  test('ticks in minutes and seconds, hours once past one; never negative', () => {
    expect(formatAlertAge(0, 42_000)).toBe('0:42');
    expect(formatAlertAge(0, 12 * 60_000 + 5_000)).toBe('12:05');
    expect(formatAlertAge(0, 3_725_000)).toBe('1:02:05');
    expect(formatAlertAge(10_000, 0)).toBe('0:00');
  });
});
