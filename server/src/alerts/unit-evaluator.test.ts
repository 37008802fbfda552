import { describe, expect, test } from 'vitest';
import type { AlertRule, UnitPosition } from '@jointmap/shared';
import { RuleIndex } from './rule-index.ts';
import { armingSignature, evaluationSignature } from './rule-times.ts';
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

function fix(time: number, lng = 120.3, receivedAt = time): UnitPosition {
  return {
    unitId: 'car-1',
    stationId: 'deqing-yuyue',
    deviceId: 'd-1',
    lngLat: [lng, 30.5],
    time,
    receivedAt,
    speedMps: 0,
    bearing: null,
    altitude: null,
    accuracy: 5,
    battery: 80,
    alarm: null,
  };
}

/** An index of `rules`, added (armed) at `armedAt` (server clock), in an operation begun before. */
function indexOf(rules: AlertRule[], armedAt = T0 - 3600_000): RuleIndex {
  const index = new RuleIndex(settings.marginM);
  index.sync('command', new Map(rules.map((r) => [r.id, r])), armedAt);
  return index;
}

describe('signal loss on a clock', () => {
  test('is raised once when the silence passes the limit, and again only after a new fix and a new silence', () => {
    const index = indexOf([signalRule(5)]);
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
    const index = indexOf([signalRule(5)]);
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
    const index = indexOf(quiet);
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    expect(checkSilence(index, state, 'car', T0 + 10 * 60_000)).toEqual([]);
  });

  test('a unit that never reported is not silent', () => {
    expect(checkSilence(indexOf([signalRule(1)]), newUnitState('s', 'u'), 'car', T0)).toEqual([]);
  });
});

describe('signal loss counts only what the rule watched', () => {
  const MIN = 60_000;

  test('a unit not on the operation’s roster (a retired tracker, a unit of an earlier operation) is never missing', () => {
    const index = indexOf([signalRule(5)]);
    const state = newUnitState('deqing-yuyue', 'retired-09');
    evaluateFix(index, settings, state, fix(T0), null);
    expect(checkSilence(index, state, null, T0 + 600 * MIN)).toEqual([]);
    // Nor does a fix that ends a long gap raise one.
    expect(evaluateFix(index, settings, state, fix(T0 + 700 * MIN), null)).toEqual([]);
  });

  test('a unit silent since long before the rule was added raises one alert, dated the rule’s start plus the limit', () => {
    const added = T0 + 14 * 24 * 60 * MIN;
    const index = indexOf([signalRule(10)], added);
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    expect(checkSilence(index, state, 'car', added + 9 * MIN)).toEqual([]);
    const raised = checkSilence(index, state, 'car', added + 11 * MIN);
    expect(raised.map((d) => [d.kind, d.episode, d.time])).toEqual([['signal_loss', T0, added + 10 * MIN]]);
    expect(checkSilence(index, state, 'car', added + 600 * MIN)).toEqual([]);
  });

  test('silence is not counted from before the operation began, for a rule as old as the update log', () => {
    const rule = signalRule(10);
    const index = new RuleIndex(settings.marginM);
    const logged = {
      armedAt: -Infinity,
      changedAt: -Infinity,
      arming: armingSignature(rule),
      evaluation: evaluationSignature(rule),
    };
    index.sync('command', new Map([[rule.id, rule]]), T0, new Map([[rule.id, logged]]));
    index.operationStart = T0 + 30 * MIN;
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    expect(checkSilence(index, state, 'car', T0 + 39 * MIN)).toEqual([]);
    expect(checkSilence(index, state, 'car', T0 + 40 * MIN).map((d) => [d.episode, d.time])).toEqual([
      [T0, T0 + 40 * MIN],
    ]);
  });

  test('a fix that ends a silence begun before the rule raises nothing when the rule watched less than its limit', () => {
    const added = T0 + 60 * MIN;
    const index = indexOf([signalRule(10)], added);
    const state = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state, fix(T0), 'car');
    expect(evaluateFix(index, settings, state, fix(added + 5 * MIN), 'car')).toEqual([]);
    // Watched for longer than its limit: raised from the fix, dated when the limit passed.
    const state2 = newUnitState('deqing-yuyue', 'car-1');
    evaluateFix(index, settings, state2, fix(T0), 'car');
    const late = evaluateFix(index, settings, state2, fix(added + 15 * MIN), 'car');
    expect(late.map((d) => [d.kind, d.episode, d.time])).toEqual([['signal_loss', T0, added + 10 * MIN]]);
  });

  test('a fix received after the rule was added starts the silence the rule saw begin at its device time', () => {
    const added = T0 + MIN;
    const index = indexOf([signalRule(5)], added);
    const state = newUnitState('deqing-yuyue', 'car-1');
    // Buffered by the tracker: taken at T0, received after the rule stood.
    evaluateFix(index, settings, state, fix(T0, 120.3, added + 30_000), 'car');
    expect(checkSilence(index, state, 'car', T0 + 5 * MIN).map((d) => d.time)).toEqual([T0 + 5 * MIN]);
  });
});
