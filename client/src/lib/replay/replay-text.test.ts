import { afterEach, expect, test } from 'vitest';
import { i18n } from '../i18n/i18n.svelte.ts';
import { replayTime, spansDays } from './replay-text.ts';

afterEach(() => void (i18n.locale = 'zh-CN'));

// Local times (the browser's zone, as the replay shows them): an overnight operation, 12/2 to 12/3.
const evening = new Date(2026, 11, 2, 21, 40).getTime();
const firstMorning = new Date(2026, 11, 2, 9, 15, 0).getTime();
const secondMorning = new Date(2026, 11, 3, 9, 15, 0).getTime();

test('a replay window over midnight spans days; one within a day does not', () => {
  expect(spansDays(firstMorning, evening)).toBe(false);
  expect(spansDays(evening, new Date(2026, 11, 2, 23, 59, 59).getTime())).toBe(false);
  expect(spansDays(evening, new Date(2026, 11, 3, 0, 0, 0).getTime())).toBe(true);
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
