import { CST_OFFSET_MS } from '@jointmap/shared';
import { afterEach, expect, test } from 'vitest';
import { i18n } from '../i18n/i18n.svelte.ts';
import { replayTime, spansDays } from './replay-text.ts';

/** An instant given by its China-time fields (month from 0), whatever the zone the tests run in. */
const cst = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
  Date.UTC(y, mo, d, h, mi, s) - CST_OFFSET_MS;

afterEach(() => void (i18n.locale = 'zh-CN'));

// Local times (the browser's zone, as the replay shows them): an overnight operation, 12/2 to 12/3.
const evening = cst(2026, 11, 2, 21, 40);
const firstMorning = cst(2026, 11, 2, 9, 15, 0);
const secondMorning = cst(2026, 11, 3, 9, 15, 0);

test('a replay window over midnight spans days; one within a day does not', () => {
  expect(spansDays(firstMorning, evening)).toBe(false);
  expect(spansDays(evening, cst(2026, 11, 2, 23, 59, 59))).toBe(false);
  expect(spansDays(evening, cst(2026, 11, 3, 0, 0, 0))).toBe(true);
  expect(spansDays(firstMorning, secondMorning)).toBe(true);
});

test('over several days the same time of two days reads apart: event rows and slider ends have the day', () => {
  const withDay = spansDays(firstMorning, secondMorning);
  i18n.locale = 'zh-CN';
  expect(replayTime(firstMorning, true, withDay)).toBe('12/2 09:15:00');
  expect(replayTime(secondMorning, true, withDay)).toBe('12/3 09:15:00');
  expect(replayTime(secondMorning, false, withDay)).toBe('12/3 09:15');
  i18n.locale = 'en';
  expect(replayTime(secondMorning, true, withDay)).toBe('12/3, 09:15:00');
  expect(replayTime(secondMorning, false, withDay)).toBe('12/3, 09:15');
});

test('within one day the times stay bare', () => {
  const withDay = spansDays(firstMorning, evening);
  expect(replayTime(firstMorning, true, withDay)).toBe('09:15:00');
  expect(replayTime(evening, false, withDay)).toBe('21:40');
});
