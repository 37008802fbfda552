import { describe, expect, test } from 'vitest';
import type { PositionlessReport } from '../live/relay.ts';
import { carInside } from './alert-test-doubles.ts';
import { evaluatePositionless } from './positionless-alarm.ts';
import { RuleIndex } from './rule-index.ts';
import { ANY_DEVICE, pressSince } from './sos-press.ts';
import { evaluateFix, newUnitState } from './unit-evaluator.ts';

const T0 = 1_764_500_000_000;
const settings = { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 };

const report = (time: number, alarm: string | null = 'sos'): PositionlessReport => ({
  positionless: true,
  unitId: 'car-1',
  stationId: 'st-1',
  deviceId: 'dev-1',
  time,
  receivedAt: time,
  alarm,
});

const fix = (time: number, alarm: string | null = null) => ({ ...carInside(time, time), alarm });
const applyFix = (state: ReturnType<typeof newUnitState>, time: number, alarm: string | null = null) =>
  evaluateFix(new RuleIndex(15), settings, state, fix(time, alarm), null);

describe('evaluatePositionless', () => {
  test("raises an SOS at the unit's newest fix, marked as its last known position, and moves nothing else", () => {
    const state = newUnitState('st-1', 'car-1');
    applyFix(state, T0);
    expect(evaluatePositionless(state, report(T0 + 5_000))).toEqual([
      {
        kind: 'sos',
        rule: null,
        episode: T0 + 5_000,
        time: T0 + 5_000,
        lngLat: [120.305, 30.495],
        evidence: { alarm: 'sos', position: 'last_known', positionTime: T0, deviceId: 'dev-1' },
        deviceId: 'dev-1',
      },
    ]);
    expect([state.newest, state.last?.time, pressSince(state)]).toEqual([T0, T0, T0 + 5_000]);
  });

  test('with no fix ever: an SOS with no position', () => {
    const state = newUnitState('st-1', 'car-1');
    expect(evaluatePositionless(state, report(T0))).toMatchObject([
      { kind: 'sos', time: T0, evidence: { alarm: 'sos', position: 'none' } },
    ]);
  });

  test('one SOS per press: a fix without the alarm older than the press does not end it, a report without a position does', () => {
    const state = newUnitState('st-1', 'car-1');
    applyFix(state, T0);
    expect(evaluatePositionless(state, report(T0 + 10_000))).toHaveLength(1);
    expect(evaluatePositionless(state, report(T0 + 10_000))).toEqual([]);
    // A fix from before the press, arriving late, and one with the alarm after it: the same press.
    expect(applyFix(state, T0 + 5_000)).toEqual([]);
    expect(applyFix(state, T0 + 20_000, 'sos')).toEqual([]);
    // A report without the alarm (still no lock) ends it; the next alarm is a new press.
    expect(evaluatePositionless(state, report(T0 + 30_000, null))).toEqual([]);
    expect(pressSince(state)).toBeNull();
    expect(evaluatePositionless(state, report(T0 + 40_000))).toMatchObject([{ episode: T0 + 40_000 }]);
  });

  test('a fix without the alarm newer than the press ends it', () => {
    const state = newUnitState('st-1', 'car-1');
    applyFix(state, T0);
    expect(evaluatePositionless(state, report(T0 + 10_000))).toHaveLength(1);
    expect(applyFix(state, T0 + 20_000)).toEqual([]);
    expect(pressSince(state)).toBeNull();
  });

  test('an alarm older than the report that ended its press is late, and holds no press', () => {
    const state = newUnitState('st-1', 'car-1');
    applyFix(state, T0);
    evaluatePositionless(state, report(T0 + 10_000));
    evaluatePositionless(state, report(T0 + 15_000, null));
    expect(evaluatePositionless(state, report(T0 + 12_000))).toMatchObject([{ episode: T0 + 12_000, late: true }]);
    expect(applyFix(state, T0 + 12_000, 'sos')).toMatchObject([{ kind: 'sos', late: true }]);
    expect([state.newest, pressSince(state)]).toEqual([T0 + 12_000, null]);
    // An older report without the alarm ends no press begun after it.
    expect(evaluatePositionless(state, report(T0 + 20_000))).toMatchObject([{ episode: T0 + 20_000 }]);
    expect(evaluatePositionless(state, report(T0 + 18_000, null))).toEqual([]);
    expect(pressSince(state)).toBe(T0 + 20_000);
  });

  test("tells which presses a report without the alarm ended: its device's and one of no known device, not another device's", () => {
    const state = newUnitState('st-1', 'car-1');
    state.presses.set('dev-2', T0);
    state.presses.set(ANY_DEVICE, T0);
    state.presses.set('dev-1', T0 + 1_000);
    const ended: string[] = [];
    evaluatePositionless(state, report(T0 + 5_000, null), ended);
    expect(ended).toEqual(['dev-1', ANY_DEVICE]);
    expect([...state.presses.keys()]).toEqual(['dev-2']);
    // An alarm, or a report ending nothing more, ends none.
    const none: string[] = [];
    evaluatePositionless(state, report(T0 + 6_000), none);
    evaluatePositionless(state, report(T0 + 5_500, null), none);
    expect(none).toEqual([]);
  });

  test('an alarm older than the newest fix, with no SOS running, is raised as a late one (its press read from the track)', () => {
    const state = newUnitState('st-1', 'car-1');
    applyFix(state, T0 + 10_000);
    expect(evaluatePositionless(state, report(T0))).toMatchObject([{ episode: T0, late: true }]);
    expect(evaluatePositionless(state, report(T0, null))).toEqual([]);
    expect(pressSince(state)).toBeNull();
  });
});
