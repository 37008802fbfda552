import { CST_OFFSET_MS } from '@jointmap/shared';
import { describe, expect, test } from 'vitest';
import { formatLocalMinute, parseLocalMinute } from './local-datetime.ts';

/** An instant given by its China-time fields (month from 0), whatever the zone the tests run in. */
const cst = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
  Date.UTC(y, mo, d, h, mi, s) - CST_OFFSET_MS;

describe('local date-time fields', () => {
  test('round-trip through the written form', () => {
    const ms = cst(2026, 10, 30, 14, 5);
    expect(formatLocalMinute(ms)).toBe('2026-11-30 14:05');
    expect(parseLocalMinute('2026-11-30 14:05')).toBe(ms);
    expect(parseLocalMinute(' 2026/11/30T14:05 ')).toBe(ms);
    expect(parseLocalMinute('2026-1-5 8:30')).toBe(cst(2026, 0, 5, 8, 30));
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
