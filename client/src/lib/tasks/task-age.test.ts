import { expect, test } from 'vitest';
import { ageOf } from './task-age.ts';

const now = Date.UTC(2025, 5, 1, 8, 0, 0);

test('ages are whole minutes, hours and days, and under a minute (or a clock ahead) is now', () => {
  expect(ageOf(now, now)).toEqual({ unit: 'now' });
  expect(ageOf(now - 59_999, now)).toEqual({ unit: 'now' });
  expect(ageOf(now + 30_000, now)).toEqual({ unit: 'now' });
  expect(ageOf(now - 60_000, now)).toEqual({ unit: 'minutes', n: 1 });
  expect(ageOf(now - 3 * 60_000 - 59_000, now)).toEqual({ unit: 'minutes', n: 3 });
  expect(ageOf(now - 59 * 60_000, now)).toEqual({ unit: 'minutes', n: 59 });
  expect(ageOf(now - 60 * 60_000, now)).toEqual({ unit: 'hours', n: 1 });
  expect(ageOf(now - 23 * 3600_000 - 59 * 60_000, now)).toEqual({ unit: 'hours', n: 23 });
  expect(ageOf(now - 49 * 3600_000, now)).toEqual({ unit: 'days', n: 2 });
});
