import { describe, expect, test } from 'vitest';
import type { AlertRule, UnitPosition } from '@jointmap/shared';
import { RuleIndex } from './rule-index.ts';
import { checkSilence, evaluateFix, newUnitState } from './unit-evaluator.ts';

const settings = { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 };
const T0 = 1_764_500_000_000;

function signalRule(noFixMinutes: number, extra: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'silent',
    stationId: 'command',
    name: '失联',
    enabled: true,
    unitKinds: [],
    units: [],
    activeHours: null,
    note: '',
    createdBy: 'u-commander',
    updatedAt: T0,
    type: 'signal',
    noFixMinutes,
    ...extra,
  } as AlertRule;
}

function fix(time: number, lng = 120.3): UnitPosition {
  return {
    unitId: 'car-1',
    stationId: 'deqing-yuyue',
    deviceId: 'd-1',
    lngLat: [lng, 30.5],
    time,
    receivedAt: time,
    speedMps: 0,
    bearing: null,
    altitude: null,
    accuracy: 5,
    battery: 80,
    alarm: null,
  };
}

function indexOf(...rules: AlertRule[]): RuleIndex {
  const index = new RuleIndex(settings.marginM);
  index.sync('command', new Map(rules.map((r) => [r.id, r])));
  return index;
}

describe('signal loss on a clock', () => {
  test('is raised once when the silence passes the limit, and again only after a new fix and a new silence', () => {
    const index = indexOf(signalRule(5));
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    const at = (minutes: number) => checkSilence(index, state, 'car', T0 + minutes * 60_000);
    expect(at(4.9)).toEqual([]);
    const raised = at(5);
    expect(raised.map((d) => [d.kind, d.episode, d.time, d.evidence.silentMinutes])).toEqual([
      ['signal_loss', T0, T0 + 5 * 60_000, 5],
    ]);
    expect([...at(6), ...at(60)]).toEqual([]);
    evaluateFix(index, settings, state, fix(T0 + 61 * 60_000), 'car');
    expect(at(62)).toEqual([]);
    expect(at(66).map((d) => d.episode)).toEqual([T0 + 61 * 60_000]);
  });

  test('a gap longer than the limit raises it from the fix that ends the gap, and the clock then adds nothing', () => {
    const index = indexOf(signalRule(5));
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    const late = evaluateFix(index, settings, state, fix(T0 + 8 * 60_000), 'car');
    expect(late.map((d) => [d.kind, d.episode])).toEqual([['signal_loss', T0]]);
    expect(checkSilence(index, state, 'car', T0 + 9 * 60_000)).toEqual([]);
  });

  test('a rule for other kinds, a disabled rule, or one outside its hours stays quiet', () => {
    const quiet = [
      signalRule(1, { unitKinds: ['drone'] }),
      signalRule(1, { id: 'off', enabled: false }),
      // 02:00–03:00 China time; the check runs at T0 + 10 min (19:03 China time).
      signalRule(1, { id: 'night', activeHours: { from: '02:00', to: '03:00' } }),
    ];
    const index = indexOf(...quiet);
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    expect(checkSilence(index, state, 'car', T0 + 10 * 60_000)).toEqual([]);
  });

  test('a unit that never reported is not silent', () => {
    expect(checkSilence(indexOf(signalRule(1)), newUnitState('s', 'u'), 'car', T0)).toEqual([]);
  });
});
