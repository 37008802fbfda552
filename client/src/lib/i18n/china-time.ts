import { CHINA_TIME_ZONE } from '@jointmap/shared';
import type { Locale } from './format.ts';

/**
 * The shapes a moment is shown in, all in China time (`CHINA_TIME_ZONE`) whatever the browser's zone:
 * `time` 09:15:00, `short` 09:15, `dayTime` 12/3 09:15:00, `dayShort` 12/3 09:15,
 * `date` 2026年12月3日周四, `dateTime` 2026/12/3 09:15.
 */
export type ChinaTimeKind = 'time' | 'short' | 'dayTime' | 'dayShort' | 'date' | 'dateTime';

// `hourCycle: 'h23'`, not `hour12: false`: English resolves the latter to h24, so the first hour
// after midnight read 24:05.
function options(kind: ChinaTimeKind): Intl.DateTimeFormatOptions {
  switch (kind) {
    case 'date':
      return { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short', timeZone: CHINA_TIME_ZONE };
    case 'dateTime':
      return { dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23', timeZone: CHINA_TIME_ZONE };
    default:
      return {
        ...(kind === 'dayTime' || kind === 'dayShort' ? { month: 'numeric', day: 'numeric' } : {}),
        hour: '2-digit',
        minute: '2-digit',
        ...(kind === 'time' || kind === 'dayTime' ? { second: '2-digit' } : {}),
        hourCycle: 'h23',
        timeZone: CHINA_TIME_ZONE,
      };
  }
}

// Lists, the replay and the alert log format a time for every row; building an Intl.DateTimeFormat
// costs more than the rest of a row, so one is kept per locale and kind.
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * The China-time formatter of a kind for a locale, built once and kept.
 *
 * @example chinaTimeFormat('zh-CN', 'short').format(ms) // '09:15'
 */
export function chinaTimeFormat(locale: Locale, kind: ChinaTimeKind): Intl.DateTimeFormat {
  const key = `${locale} ${kind}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat(locale, options(kind))));
  return f;
}
