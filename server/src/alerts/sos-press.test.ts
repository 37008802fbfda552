import { describe, expect, test } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import type { PositionlessReport } from '../live/relay.ts';
import { carInside } from './alert-test-doubles.ts';
import { endsBefore, evaluatePositionless, seedPresses } from './positionless-alarm.ts';
import { RuleIndex } from './rule-index.ts';
import { evaluateFix, newUnitState, type AlertDraft, type UnitState } from './unit-evaluator.ts';

const T0 = 1_764_500_000_000;
const settings = { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 };

/** A fix of car-1 by `deviceId`, at `lng` (default: inside the test zone). */
const fix = (deviceId: string, time: number, alarm: string | null = null, lng = 120.305): UnitPosition => ({
  ...carInside(time, time),
  deviceId,
  lngLat: [lng, 30.495],
  alarm,
});
const noFix = (deviceId: string, time: number, alarm: string | null = null): PositionlessReport => ({
  positionless: true,
  unitId: 'car-1',
  stationId: 'st-1',
  deviceId,
  time,
  receivedAt: time,
  alarm,
});
const apply = (state: UnitState, pos: UnitPosition) => evaluateFix(new RuleIndex(15), settings, state, pos, null);
const sos = (drafts: AlertDraft[]) => drafts.filter((d) => d.kind === 'sos').map((d) => [d.episode, d.late ?? false]);

describe('an SOS press belongs to the device that holds it', () => {
  test('a phone indoors reporting valid=false every 30 s does not split the press of the body tracker', () => {
    const state = newUnitState('st-1', 'car-1');
    const raised: AlertDraft[] = [];
    for (let s = 0; s <= 120; s += 5) {
      raised.push(...apply(state, fix('body-cam', T0 + s * 1000, 'sos')));
      if (s % 30 === 0) raised.push(...evaluatePositionless(state, noFix('phone', T0 + s * 1000 + 1)));
    }
    expect(sos(raised)).toEqual([[T0, false]]);
    // Its own report without the alarm ends it; the next alarm is a new press.
    expect(apply(state, fix('body-cam', T0 + 125_000))).toEqual([]);
    expect(sos(apply(state, fix('body-cam', T0 + 130_000, 'sos')))).toEqual([[T0 + 130_000, false]]);
  });

  test("another tracker's fix without the alarm neither ends the press nor makes its device's alarms late", () => {
    const state = newUnitState('st-1', 'car-1');
    apply(state, fix('phone', T0 + 10_000));
    // Older than the unit's newest fix (the phone's), newer than anything of its own device: a press.
    expect(sos(apply(state, fix('body-cam', T0 + 5_000, 'sos')))).toEqual([[T0 + 5_000, false]]);
    expect(apply(state, fix('body-cam', T0 + 8_000, 'sos'))).toEqual([]);
    expect(apply(state, fix('phone', T0 + 20_000))).toEqual([]);
    expect([state.sosSince, state.sosDevice]).toEqual([T0 + 5_000, 'body-cam']);
    // While it lasts, another device's alarm raises nothing more (one SOS per unit).
    expect(evaluatePositionless(state, noFix('phone', T0 + 25_000, 'sos'))).toEqual([]);
  });

  test('an alarm older than the newest report of its own device is late', () => {
    const state = newUnitState('st-1', 'car-1');
    evaluatePositionless(state, noFix('body-cam', T0 + 10_000, 'sos'));
    evaluatePositionless(state, noFix('body-cam', T0 + 15_000));
    expect(state.sosSince).toBeNull();
    expect(sos(apply(state, fix('body-cam', T0 + 12_000, 'sos')))).toEqual([[T0 + 12_000, true]]);
    // The same report again changes nothing.
    expect(evaluatePositionless(state, noFix('body-cam', T0 + 15_000))).toEqual([]);
  });
});

describe("the unit's newest fix follows the newest-fix rule", () => {
  test('two trackers in the same millisecond: the greater device id, whatever came first, is the last known position', () => {
    for (const order of [
      ['dev-a', 'dev-b'],
      ['dev-b', 'dev-a'],
    ]) {
      const state = newUnitState('st-1', 'car-1');
      for (const id of order) apply(state, fix(id, T0, null, id === 'dev-a' ? 120.301 : 120.302));
      expect(state.last?.deviceId, order.join()).toBe('dev-b');
      const [raised] = evaluatePositionless(state, noFix('dev-a', T0 + 5_000, 'sos'));
      expect(raised?.lngLat, order.join()).toEqual([120.302, 30.495]);
    }
  });
});

describe('press ends stored on alerts, applied by a replay', () => {
  const alert = { stationId: 'st-1', unitId: 'car-1', time: T0 + 10_000, evidence: { alarm: 'sos' } };

  test('an end between two alarm fixes ends the first press, so the second is raised', () => {
    const state = newUnitState('st-1', 'car-1');
    const presses = { ends: [T0 + 15_000], newest: alert as never };
    const replayed: AlertDraft[] = [];
    for (const t of [T0, T0 + 10_000, T0 + 20_000]) {
      endsBefore(state, presses, t);
      replayed.push(...apply(state, fix('dev-1', t, t > T0 ? 'sos' : null)));
    }
    seedPresses(state, presses);
    expect(sos(replayed)).toEqual([
      [T0 + 10_000, false],
      [T0 + 20_000, false],
    ]);
    expect(state.sosSince).toBe(T0 + 20_000);
  });
});
