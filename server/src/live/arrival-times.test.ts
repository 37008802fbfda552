import { describe, expect, it } from 'vitest';
import { ArrivalTimes } from './arrival-times.ts';
import type { DecodedFix } from './osmand.ts';

const NOW = 1_772_352_000_000;
const fix = (time: number, extra: Partial<DecodedFix> = {}): DecodedFix => ({
  ...{ deviceId: 'a', time, lat: 30.5, lng: 120.3, speedMps: null, bearing: null, altitude: null },
  ...{ accuracy: null, battery: null, alarm: null, valid: true },
  ...extra,
});

describe('ArrivalTimes', () => {
  it('gives a resent fix dated ahead the stored time it got the first time (one track row, not two)', () => {
    const arrivals = new ArrivalTimes();
    const first = [fix(NOW + 60_000)];
    arrivals.assign('a', first, NOW);
    expect(first[0]!.time).toBe(NOW);
    // The answer was lost; the phone sends the same fix 30 s later.
    const resent = [fix(NOW + 60_000)];
    arrivals.assign('a', resent, NOW + 30_000);
    expect(resent[0]!.time).toBe(NOW);
    // A new fix ahead gets its own time; another device has its own memory.
    const next = [fix(NOW + 61_000)];
    arrivals.assign('a', next, NOW + 30_000);
    expect(next[0]!.time).toBe(NOW + 30_000);
    const other = [fix(NOW + 60_000, { deviceId: 'b' })];
    arrivals.assign('b', other, NOW + 30_000);
    expect(other[0]!.time).toBe(NOW + 30_000);
  });

  it('never gives out a stored time twice, even within one millisecond', () => {
    const arrivals = new ArrivalTimes();
    const times = [NOW + 5_000, NOW + 6_000, NOW + 7_000].map((t) => {
      const f = [fix(t)];
      arrivals.assign('a', f, NOW);
      return f[0]!.time;
    });
    expect(new Set(times).size).toBe(3);
  });

  it('dates a dropped fix kept for its alarm on arrival, and forgets the oldest beyond its bound', () => {
    const arrivals = new ArrivalTimes(2);
    const sos = [
      fix(NOW + 8 * 3600_000, { alarm: 'sos', alarmKept: true, dropped: { reason: 'future', message: '' } }),
    ];
    arrivals.assign('a', sos, NOW);
    expect(sos[0]!.time).toBe(NOW);
    for (const t of [NOW + 1_000, NOW + 2_000]) arrivals.assign('a', [fix(t)], NOW + 10);
    const again = [
      fix(NOW + 8 * 3600_000, { alarm: 'sos', alarmKept: true, dropped: { reason: 'future', message: '' } }),
    ];
    arrivals.assign('a', again, NOW + 20);
    expect(again[0]!.time).toBe(NOW + 20);
  });
});
