import { afterEach, expect, test } from 'vitest';
import { i18n } from '../i18n/i18n.svelte.ts';
import { formatDuration } from './format-duration.ts';

afterEach(() => void (i18n.locale = 'zh-CN'));

test('the printed report gives durations in Chinese in the Chinese UI', () => {
  i18n.locale = 'zh-CN';
  expect(formatDuration(45_000)).toBe('45 秒');
  expect(formatDuration(750_000)).toBe('12 分 30 秒');
  expect(formatDuration(720_000)).toBe('12 分钟');
  expect(formatDuration(3_900_000)).toBe('1 小时 05 分');
  expect(formatDuration(null)).toBe('—');
});

test('and in English in the English UI, rounded to the second', () => {
  i18n.locale = 'en';
  expect(formatDuration(44_600)).toBe('45 s');
  expect(formatDuration(750_000)).toBe('12 min 30 s');
  expect(formatDuration(720_000)).toBe('12 min');
  expect(formatDuration(3_900_000)).toBe('1 h 05 min');
  expect(formatDuration(59_600)).toBe('1 min');
  expect(formatDuration(undefined)).toBe('—');
});
