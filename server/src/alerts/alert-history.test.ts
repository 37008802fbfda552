import { describe, expect, test } from 'vitest';
import { pressStart } from './alert-history.ts';

const fixes = (alarms: string) => [...alarms].map((c, i) => ({ time: i * 1000, alarm: c === 'x' ? 'sos' : null }));

describe('pressStart', () => {
  test('is the first fix of the run of alarm fixes that holds the fix', () => {
    const track = fixes('..xxx..xx.');
    expect([2, 3, 4].map((i) => pressStart(track, i * 1000))).toEqual([2000, 2000, 2000]);
    expect([7, 8].map((i) => pressStart(track, i * 1000))).toEqual([7000, 7000]);
  });

  test('fixes after the one asked about do not count; a run at the start of the track starts there', () => {
    expect(pressStart(fixes('xxx..'), 1000)).toBe(0);
    expect(pressStart(fixes('.x'), 1000)).toBe(1000);
    expect(pressStart([], 5000)).toBe(5000);
  });
});
