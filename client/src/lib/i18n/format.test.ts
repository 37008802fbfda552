import { CST_OFFSET_MS } from '@jointmap/shared';
import { describe, expect, test } from 'vitest';
import { chinaTimeFormat } from './china-time.ts';
import { formatMessage, formatStamp } from './format.ts';
import { en, zhCN, type MessageKey } from './messages.ts';

/** An instant given by its China-time fields (month from 0), whatever the zone the tests run in. */
const cst = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
  Date.UTC(y, mo, d, h, mi, s) - CST_OFFSET_MS;

const t = (locale: 'en' | 'zh-CN', key: MessageKey, params: Record<string, string | number>) =>
  formatMessage(locale, (locale === 'en' ? en : zhCN)[key], params);

describe('English counts', () => {
  test('the wall reads "1 drawing" and "2 drawings"; Chinese keeps one form', () => {
    expect(t('en', 'wall.annotations', { count: 1 })).toBe('1 drawing');
    expect(t('en', 'wall.annotations', { count: 2 })).toBe('2 drawings');
    expect(t('en', 'wall.annotations', { count: 0 })).toBe('0 drawings');
    expect(t('zh-CN', 'wall.annotations', { count: 1 })).toBe('标绘 1');
  });

  test('a plural picks its form by the param it names, and other placeholders are filled', () => {
    expect(t('en', 'interop.count', { n: 1 })).toBe('1 annotation will be imported');
    expect(t('en', 'retention.lastRun', { time: '08:00', thinned: 1, dropped: 3 })).toBe(
      'Last run 08:00: 1 fix thinned, 3 deleted',
    );
    expect(t('en', 'retention.lastRun', { time: '08:00', thinned: 4, dropped: 1 })).toBe(
      'Last run 08:00: 4 fixes thinned, 1 deleted',
    );
  });

  test('every English plural has distinct singular and plural wording, both showing its count', () => {
    for (const [key, message] of Object.entries(en)) {
      if (typeof message === 'string') continue;
      const by = message.by ?? 'count';
      expect(message.one, key).toContain(`{${by}}`);
      expect(message.other, key).toContain(`{${by}}`);
      expect(message.one, key).not.toBe(message.other);
    }
  });
});

describe('moments of an operation', () => {
  const at = cst(2026, 11, 2, 7, 58);
  test('a moment of today is its time of day alone', () => {
    const later = cst(2026, 11, 2, 23, 10);
    expect(formatStamp('zh-CN', at, later)).toBe('07:58');
    expect(formatStamp('en', at, later)).toBe('07:58');
  });

  test('a moment of another day has its day in front, so yesterday never reads as today', () => {
    const nextMorning = cst(2026, 11, 3, 0, 5);
    expect(formatStamp('zh-CN', at, nextMorning)).toBe('12/2 07:58');
    expect(formatStamp('en', at, nextMorning)).toBe('12/2, 07:58');
  });

  test('the first hour after midnight reads 00, not 24, in both languages', () => {
    const justAfter = cst(2026, 11, 3, 0, 5);
    expect(formatStamp('en', justAfter, justAfter)).toBe('00:05');
    expect(formatStamp('zh-CN', justAfter, justAfter)).toBe('00:05');
    for (const locale of ['en', 'zh-CN'] as const) {
      expect(chinaTimeFormat(locale, 'time').format(justAfter), locale).toBe('00:05:00');
      expect(chinaTimeFormat(locale, 'dateTime').format(justAfter), locale).not.toMatch(/24:05/);
      expect(chinaTimeFormat(locale, 'dayTime').format(justAfter), locale).toMatch(/00:05:00/);
    }
  });
});
