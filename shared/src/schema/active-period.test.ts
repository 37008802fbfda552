import { describe, expect, test } from 'vitest';
import { activePeriodStart } from './alert-rule.ts';

const CST = 8 * 3600_000;
/** 2026-12-02 00:00 China time. */
const DAY = Date.UTC(2026, 11, 2) - CST;
const at = (h: number, m = 0, day = DAY) => day + h * 3600_000 + m * 60_000;

describe('activePeriodStart', () => {
  test('is -Infinity for a rule without active hours (one period for ever)', () => {
    expect(activePeriodStart({ activeHours: null }, at(9))).toBe(-Infinity);
  });

  test('is the day’s start of the hours for hours within one day (China time)', () => {
    const hours = { activeHours: { from: '08:00', to: '18:00' } };
    expect(activePeriodStart(hours, at(8))).toBe(at(8));
    expect(activePeriodStart(hours, at(17, 59))).toBe(at(8));
    expect(activePeriodStart(hours, at(8, 5, DAY + 86_400_000))).toBe(at(8, 0, DAY + 86_400_000));
  });

  test('hours across midnight: after midnight the period is the one begun the evening before', () => {
    const hours = { activeHours: { from: '22:00', to: '06:00' } };
    expect(activePeriodStart(hours, at(23))).toBe(at(22));
    expect(activePeriodStart(hours, at(5, 59, DAY + 86_400_000))).toBe(at(22));
  });
});
