import { describe, expect, test } from 'vitest';
import { formatLocalMinute, parseLocalMinute } from './local-datetime.ts';

describe('local date-time fields', () => {
  test('round-trip through the written form', () => {
    const ms = new Date(2026, 10, 30, 14, 5).getTime();
    expect(formatLocalMinute(ms)).toBe('2026-11-30 14:05');
    expect(parseLocalMinute('2026-11-30 14:05')).toBe(ms);
    expect(parseLocalMinute(' 2026/11/30T14:05 ')).toBe(ms);
    expect(parseLocalMinute('2026-1-5 8:30')).toBe(new Date(2026, 0, 5, 8, 30).getTime());
  });
  test('refuses what names no instant', () => {
    for (const bad of [
      '',
      '11/30/2026, 02:05 PM',
      '2026-02-30 10:00',
      '2026-11-30 24:00',
      '2026-11-30 10:60',
      '2026-11-30',
    ])
      expect(parseLocalMinute(bad), bad).toBeNull();
  });
});
