import { describe, expect, test } from 'vitest';
import { ruleActiveAt, type AlertRule } from '@jointmap/shared';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { storedPressStart } from './alert-history.ts';
import { debouncedState, TrackBack } from './replay-seed.ts';
import type { PreparedRule } from './rule-index.ts';
import { observation, observe, type RuleState } from './unit-evaluator.ts';

const settings = { marginM: 15, minDurationMs: 10_000, stopRadiusM: 30 };
const T = 1_800_000_000_000;

/** A stored track from speeds in km/h (null: no speed), one fix every 10 s ending just before T. */
function storage(speeds: Array<number | null>, alarms?: boolean[]) {
  const fixes: PositionFix[] = speeds.map((kmh, i) =>
    storedFix({
      stationId: 's',
      unitId: 'u',
      deviceId: 'd',
      time: T - (speeds.length - i) * 10_000,
      lng: 120,
      lat: 30,
      speed: kmh === null ? null : kmh / 3.6,
      alarm: alarms?.[i] ? 'sos' : null,
      receivedAt: 0,
    }),
  );
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
  armedAt: -Infinity,
  changedAt: -Infinity,
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

  test('read back chunk by chunk, it finds the state the whole track gives, also where a run spans chunks', async () => {
    // The whole track at once, newest run of at least minDurationMs first (what debouncedState
    // promises, written plainly).
    const wholeTrack = (fixes: PositionFix[]): RuleState | null => {
      const seq = fixes
        .filter((f) => ruleActiveAt(limit60.rule, f.time))
        .map((f) => ({ time: f.time, obs: observation(limit60, settings, { speedMps: f.speed }, [f.lng, f.lat]) }));
      for (let i = seq.length - 1; i >= 0;) {
        const o = seq[i]!.obs;
        let j = i;
        if (o !== null) while (j > 0 && seq[j - 1]!.obs === o) j--;
        if (o !== null && seq[i]!.time - seq[j]!.time >= settings.minDurationMs) {
          const s: RuleState = { value: o, pendingSince: null, fired: null };
          for (const x of seq.slice(i + 1)) observe(s, x.obs, x.time, settings.minDurationMs);
          return s;
        }
        i = j - 1;
      }
      return null;
    };
    let seed = 7;
    const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    let multiChunk = 0;
    for (let run = 0; run < 40; run++) {
      // Oldest first: segments of steady, flickering (no two fixes alike in a row) or missing speed,
      // ending often in a flicker longer than a chunk (30 min, 180 fixes), so the read goes back.
      const speeds: Array<number | null> = [];
      for (let k = rnd(6); k >= 0; k--) {
        const kind = rnd(4);
        for (let n = 1 + rnd(120); n > 0; n--)
          speeds.push(kind === 0 ? 90 : kind === 1 ? 50 : kind === 2 ? (n % 2 ? 90 : 50) : rnd(3) ? null : 90);
      }
      if (run % 2) {
        // A steady run whose newest fix or two are in the first chunk (the newest 180 fixes), the rest in the next.
        for (let n = 2 + rnd(40), v = rnd(2) ? 90 : 50; n > 0; n--) speeds.push(v);
        for (let n = 176 + rnd(6); n > 0; n--) speeds.push(n % 2 ? 90 : 50);
      } else if (rnd(10) < 7) for (let n = 150 + rnd(350); n > 0; n--) speeds.push(n % 2 ? 90 : 50);
      const s = storage(speeds);
      const all = await s.track('s', 'u', 0, T, Infinity);
      const got = await debouncedState(new TrackBack(s, 's', 'u', T), limit60, settings);
      expect(got, `run ${run}`).toEqual(wholeTrack(all));
      if (s.reads.length > 1) multiChunk++;
    }
    expect(multiChunk).toBeGreaterThanOrEqual(10);
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
