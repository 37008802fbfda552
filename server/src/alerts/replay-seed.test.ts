import { describe, expect, test } from 'vitest';
import type { AlertRule } from '@jointmap/shared';
import type { PositionFix } from '../storage/types.ts';
import { storedPressStart } from './alert-history.ts';
import { debouncedState, TrackBack } from './replay-seed.ts';
import type { PreparedRule } from './rule-index.ts';

const settings = { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 };
const T = 1_800_000_000_000;

/** A stored track from speeds in km/h (null: no speed), one fix every 10 s ending just before T. */
function storage(speeds: Array<number | null>, alarms?: boolean[]) {
  const fixes: PositionFix[] = speeds.map((kmh, i) => ({
    stationId: 's',
    unitId: 'u',
    deviceId: 'd',
    time: T - (speeds.length - i) * 10_000,
    lng: 120,
    lat: 30,
    speed: kmh === null ? null : kmh / 3.6,
    bearing: null,
    altitude: null,
    accuracy: null,
    battery: null,
    alarm: alarms?.[i] ? 'sos' : null,
    receivedAt: 0,
  }));
  const reads: number[] = [];
  return {
    reads,
    track: async (_s: string, _u: string, from: number, to: number, limit: number) => {
      reads.push(from);
      return fixes.filter((f) => f.time >= from && f.time <= to).slice(0, limit);
    },
  };
}

const limit60 = {
  key: 'command/limit-60',
  scope: 'command',
  rule: {
    id: 'limit-60',
    type: 'speed',
    limitKmh: 60,
    area: null,
    enabled: true,
    activeHours: null,
  } as unknown as AlertRule,
  signature: '',
  shape: null,
  feature: null,
} satisfies PreparedRule;

const stateAt = (speeds: Array<number | null>) =>
  debouncedState(new TrackBack(storage(speeds), 's', 'u', T), limit60, settings);

describe('debouncedState', () => {
  test('an overspeed going on for hours is still on when the window opens, read back only as far as needed', async () => {
    const s = storage(Array.from({ length: 1_000 }, () => 90));
    expect(await debouncedState(new TrackBack(s, 's', 'u', T), limit60, settings)).toEqual({
      value: true,
      pendingSince: null,
      fired: null,
    });
    expect(s.reads).toHaveLength(1);
  });

  test('a fix without speed or a short dip under the limit does not end it; a dip as long as the hysteresis does', async () => {
    expect(await stateAt([90, 90, 90, null, 90, 50])).toEqual({ value: true, pendingSince: T - 10_000, fired: null });
    expect(await stateAt([90, 90, 90, 50, 50])).toEqual({ value: false, pendingSince: null, fired: null });
  });

  test('an overspeed not yet confirmed when the window opens is pending since its first fix', async () => {
    expect(await stateAt([50, 50, 50, 90])).toEqual({ value: false, pendingSince: T - 10_000, fired: null });
  });

  test('nothing to go by within the lookback: unknown', async () => {
    expect(await stateAt([null, null, 90])).toBeNull();
  });
});

describe('storedPressStart', () => {
  test('reads back chunk by chunk to the first fix of a press held for hours', async () => {
    const n = 1_500; // 4 h 10 min of fixes, the first one without the alarm
    const s = storage(
      Array.from({ length: n }, () => 0),
      Array.from({ length: n }, (_, i) => i > 0),
    );
    expect(await storedPressStart(s, 's', 'u', T - 10_000)).toBe(T - (n - 1) * 10_000);
    expect(s.reads.length).toBeGreaterThan(8);
  });
});
