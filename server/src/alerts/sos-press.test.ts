import { describe, expect, test } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import type { PositionlessReport } from '../live/relay.ts';
import { carInside } from './alert-test-doubles.ts';
import {
  endsBefore,
  evaluatePositionless,
  seedPresses,
  storedFixOf,
  type StoredPresses,
} from './positionless-alarm.ts';
import { RuleIndex } from './rule-index.ts';
import { pressSince } from './sos-press.ts';
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
    // The body tracker, not heard yet, newer than the unit's newest fix: a press, not a late alarm.
    expect(sos(apply(state, fix('body-cam', T0 + 12_000, 'sos')))).toEqual([[T0 + 12_000, false]]);
    expect(apply(state, fix('body-cam', T0 + 15_000, 'sos'))).toEqual([]);
    expect(apply(state, fix('phone', T0 + 20_000))).toEqual([]);
    expect([...state.presses]).toEqual([['body-cam', T0 + 12_000]]);
    // Heard now: its alarm older than the phone's fix but newer than its own is not late either.
    apply(state, fix('body-cam', T0 + 21_000));
    expect(sos(apply(state, fix('body-cam', T0 + 18_000, 'sos')))).toEqual([[T0 + 18_000, true]]);
    expect(sos(evaluatePositionless(state, noFix('body-cam', T0 + 22_000, 'sos')))).toEqual([[T0 + 22_000, false]]);
  });

  test("another device's alarm while one device's press is held is its own press and its own SOS", () => {
    const state = newUnitState('st-1', 'car-1');
    apply(state, fix('car', T0));
    expect(sos(evaluatePositionless(state, noFix('phone', T0 + 5_000, 'sos')))).toEqual([[T0 + 5_000, false]]);
    expect(sos(apply(state, fix('car', T0 + 10_000, 'sos')))).toEqual([[T0 + 10_000, false]]);
    expect(apply(state, fix('car', T0 + 15_000, 'sos'))).toEqual([]);
    expect(evaluatePositionless(state, noFix('phone', T0 + 16_000, 'sos'))).toEqual([]);
    // Each ends by its own device's report without the alarm.
    apply(state, fix('car', T0 + 20_000));
    expect([...state.presses]).toEqual([['phone', T0 + 5_000]]);
  });

  test("an alarm fix of a device not heard yet, older than the unit's newest fix, is late and holds its device's press (a buffer flushed after a restart)", () => {
    const state = newUnitState('st-1', 'car-1');
    apply(state, fix('car', T0 + 60_000));
    // Read back from the stored track (the press may have been alerted before the restart)...
    expect(sos(apply(state, fix('phone', T0 + 20_000, 'sos')))).toEqual([[T0 + 20_000, true]]);
    // ...and held: its next alarm fix, older or newer than the unit's newest, is that press.
    expect(apply(state, fix('phone', T0 + 30_000, 'sos'))).toEqual([]);
    expect(apply(state, fix('phone', T0 + 70_000, 'sos'))).toEqual([]);
    expect([...state.presses, state.heard.get('phone')]).toEqual([['phone', T0 + 20_000], T0 + 70_000]);
    // Its fix without the alarm ends it: its next alarm is a new press.
    expect(apply(state, fix('phone', T0 + 80_000))).toEqual([]);
    expect(sos(apply(state, fix('phone', T0 + 90_000, 'sos')))).toEqual([[T0 + 90_000, false]]);
  });

  test("an alarm sent without a position by a device not heard yet, older than the unit's newest fix, is a press", () => {
    const state = newUnitState('st-1', 'car-1');
    apply(state, fix('car', T0 + 60_000));
    expect(sos(evaluatePositionless(state, noFix('phone', T0 + 50_000, 'sos')))).toEqual([[T0 + 50_000, false]]);
    expect([...state.presses]).toEqual([['phone', T0 + 50_000]]);
  });

  test('an alarm older than the newest report of its own device is late', () => {
    const state = newUnitState('st-1', 'car-1');
    evaluatePositionless(state, noFix('body-cam', T0 + 10_000, 'sos'));
    evaluatePositionless(state, noFix('body-cam', T0 + 15_000));
    expect(pressSince(state)).toBeNull();
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
    const presses = { ends: [{ at: T0 + 15_000, deviceId: '' }], newest: new Map([['', alert as never]]) };
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
    expect(pressSince(state)).toBe(T0 + 20_000);
  });
});

describe('a press begun without a position, read back from its alert by a replay', () => {
  /** The unit's newest SOS alert: an alarm of `deviceId` (none: stored before devices were recorded) without a position. */
  const held = (deviceId?: string, state = 'open'): StoredPresses => ({
    ends: [],
    newest: new Map([
      [
        deviceId ?? '',
        {
          stationId: 'st-1',
          unitId: 'car-1',
          time: T0 + 10_000,
          state,
          evidence: { alarm: 'sos', position: 'last_known', positionTime: T0, ...(deviceId ? { deviceId } : {}) },
        } as never,
      ],
    ]),
  });
  /** A unit whose car tracker reported before and after the phone's alarm. */
  const replayed = () => {
    const state = newUnitState('st-1', 'car-1');
    for (const t of [T0, T0 + 20_000]) apply(state, fix('car', t));
    return state;
  };

  test('its device recorded: held across the other tracker’s newer fixes, ended only by a report of its device', () => {
    const state = replayed();
    seedPresses(state, held('phone'));
    expect([...state.presses]).toEqual([['phone', T0 + 10_000]]);
    // The phone sends the alarm on: the same press; the car reporting does not end it.
    expect(evaluatePositionless(state, noFix('phone', T0 + 70_000, 'sos'))).toEqual([]);
    expect(apply(state, fix('car', T0 + 80_000))).toEqual([]);
    expect(pressSince(state)).toBe(T0 + 10_000);
    evaluatePositionless(state, noFix('phone', T0 + 90_000));
    expect(pressSince(state)).toBeNull();
  });

  test('not held once its device reported after it: in the replay, or in the track before the window', () => {
    const state = replayed();
    apply(state, fix('phone', T0 + 15_000));
    seedPresses(state, held('phone'));
    expect(pressSince(state)).toBeNull();
    const before = replayed();
    seedPresses(before, held('phone'), () => true);
    expect(pressSince(before)).toBeNull();
  });

  test('resolved by commanders: not held, its device’s next alarm is a new SOS', () => {
    const state = replayed();
    seedPresses(state, held('phone', 'resolved'));
    expect(pressSince(state)).toBeNull();
    expect(sos(evaluatePositionless(state, noFix('phone', T0 + 70_000, 'sos')))).toEqual([[T0 + 70_000, false]]);
  });

  test('stored without its device: held only when newer than every fix of the unit, and ended by any device', () => {
    const state = replayed();
    seedPresses(state, held());
    expect(pressSince(state)).toBeNull();
    const newer = newUnitState('st-1', 'car-1');
    apply(newer, fix('car', T0));
    seedPresses(newer, held());
    expect([...newer.presses]).toEqual([['', T0 + 10_000]]);
    apply(newer, fix('car', T0 + 20_000));
    expect(pressSince(newer)).toBeNull();
  });

  test('whether its device stored a fix before the window: only its fixes without the alarm count; not known is taken as yes', async () => {
    const track = (fixes: UnitPosition[]) => ({
      track: async (_s: string, _u: string, from: number, to: number) =>
        fixes.filter((f) => f.time >= from && f.time <= to).map((f) => ({ ...f, lng: 0, lat: 0, speed: null })),
    });
    const stored = track([
      fix('car', T0 + 20_000),
      fix('phone', T0 + 5_000),
      fix('phone', T0 + 25_000, 'sos'),
      fix('phone', T0 + 40_000),
    ]);
    const between = (storage: Parameters<typeof storedFixOf>[0], to: number) =>
      storedFixOf(storage, 'st-1', 'car-1', 'phone', T0 + 10_000, to);
    expect(await between(stored, T0 + 30_000)).toBe(false);
    expect(await between(stored, T0 + 50_000)).toBe(true);
    const failing = { track: () => Promise.reject(new Error('storage unavailable')) };
    expect(await between(failing, T0 + 30_000)).toBe(true);
  });
});
