import { describe, expect, test } from 'vitest';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { storedPressStart } from './alert-history.ts';

/**
 * A stored track of unit `u`, one fix every `stepMs` from `t0`, read as `track` reads it. `counted`:
 * `served`, the fixes `track` returned; `visits`, reads of a fix's alarm (what going over a fix
 * looks at first); `looks`, reads of a fix's device.
 */
function track(alarms: string, t0 = 0, stepMs = 1000, deviceId = 'd') {
  const counted = { served: 0, visits: 0, looks: 0 };
  const fixes = [...alarms].map((c, i) => {
    const f = storedFix({ stationId: 's', unitId: 'u', deviceId, time: t0 + i * stepMs, lng: 120, lat: 30 });
    const alarm = c === 'x' ? 'sos' : null;
    return Object.defineProperties(f, {
      alarm: { get: () => (counted.visits++, alarm) },
      deviceId: { get: () => (counted.looks++, deviceId) },
    }) as PositionFix;
  });
  return {
    counted,
    track: async (_s: string, _u: string, from: number, to: number, limit: number) => {
      const read = fixes.filter((f) => f.time >= from && f.time <= to).slice(0, limit);
      counted.served += read.length;
      return read;
    },
  };
}

describe('storedPressStart', () => {
  test('is the first fix of the run of alarm fixes that holds the fix', async () => {
    const s = track('..xxx..xx.');
    const at = (i: number) => storedPressStart(s, 's', 'u', i * 1000);
    expect(await Promise.all([2, 3, 4].map(at))).toEqual([2000, 2000, 2000]);
    expect(await Promise.all([7, 8].map(at))).toEqual([7000, 7000]);
  });

  test('fixes after the one asked about do not count; a run at the start of the track starts there', async () => {
    expect(await storedPressStart(track('xxx..'), 's', 'u', 1000)).toBe(0);
    expect(await storedPressStart(track('.x'), 's', 'u', 1000)).toBe(1000);
    expect(await storedPressStart(track(''), 's', 'u', 5000)).toBe(5000);
  });

  test.each([['d'], [undefined]])(
    'reads each stored fix once and goes over it once, however many chunks back the press began (device %s)',
    async (deviceId) => {
      // 20 h of alarm fixes every 10 s (40 chunks of 30 min read back), after one without the alarm.
      const n = 7_200;
      const t0 = 1_800_000_000_000;
      const s = track(`.${'x'.repeat(n - 1)}`, t0, 10_000);
      expect(await storedPressStart(s, 's', 'u', t0 + (n - 1) * 10_000, deviceId)).toBe(t0 + 10_000);
      // Each chunk is read once; going over every fix read so far at each chunk visited them about 20 times each.
      expect(s.counted.served).toBe(n);
      expect(s.counted.visits).toBeLessThanOrEqual(n);
      expect(s.counted.looks).toBeLessThanOrEqual(deviceId === undefined ? 0 : n);
    },
  );
});
