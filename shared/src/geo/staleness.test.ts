import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FRESHNESS, nextFreshnessChange, unitFreshness, validThresholds } from './staleness.ts';

describe('unitFreshness with a fake clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes live → stale at 60 s → lost at 5 min with the default thresholds', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-01T08:00:00Z'));
    const fix = Date.now();
    expect(unitFreshness(fix, Date.now())).toBe('live');
    vi.advanceTimersByTime(59_999);
    expect(unitFreshness(fix, Date.now())).toBe('live');
    vi.advanceTimersByTime(1);
    expect(unitFreshness(fix, Date.now())).toBe('stale');
    vi.advanceTimersByTime(4 * 60_000 - 1);
    expect(unitFreshness(fix, Date.now())).toBe('stale');
    vi.advanceTimersByTime(1);
    expect(unitFreshness(fix, Date.now())).toBe('lost');
  });

  it('a new fix brings a stale unit back to live', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    let last = Date.now();
    vi.advanceTimersByTime(90_000);
    expect(unitFreshness(last, Date.now())).toBe('stale');
    last = Date.now();
    expect(unitFreshness(last, Date.now())).toBe('live');
  });

  it('schedules transitions with timers: one timer per change, none after lost', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const fix = Date.now();
    const seen: string[] = [];
    const watch = () => {
      seen.push(unitFreshness(fix, Date.now()));
      const next = nextFreshnessChange(fix, Date.now());
      if (next !== null) setTimeout(watch, next - Date.now());
    };
    watch();
    vi.runAllTimers();
    expect(seen).toEqual(['live', 'stale', 'lost']);
    expect(Date.now()).toBe(fix + DEFAULT_FRESHNESS.lostAfterMs);
  });

  it('honours configured thresholds', () => {
    const t = { staleAfterMs: 10_000, lostAfterMs: 20_000 };
    expect(unitFreshness(0, 9_999, t)).toBe('live');
    expect(unitFreshness(0, 10_000, t)).toBe('stale');
    expect(unitFreshness(0, 20_000, t)).toBe('lost');
  });

  it('treats no fix as lost and a slightly future fix as live', () => {
    expect(unitFreshness(null, 0)).toBe('lost');
    expect(unitFreshness(undefined, 0)).toBe('lost');
    expect(unitFreshness(Number.NaN, 0)).toBe('lost');
    expect(unitFreshness(5_000, 0)).toBe('live');
  });

  it('validates thresholds', () => {
    expect(validThresholds(DEFAULT_FRESHNESS)).toBe(true);
    expect(validThresholds({ staleAfterMs: 60_000, lostAfterMs: 60_000 })).toBe(false);
    expect(validThresholds({ staleAfterMs: 0, lostAfterMs: 1 })).toBe(false);
  });
});
