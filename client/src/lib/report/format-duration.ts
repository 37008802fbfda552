import { i18n } from '../i18n/i18n.svelte.ts';

/**
 * A duration of the report in the UI's language, rounded to the second: `45 秒`, `12 分 30 秒`,
 * `12 分钟`, `1 小时 05 分` (English: `45 s`, `12 min 30 s`, `12 min`, `1 h 05 min`); `—` when unknown.
 * Read in markup it follows a language switch (`i18n.t` reads the locale).
 */
export function formatDuration(ms: number | null | undefined, t: typeof i18n.t = i18n.t): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return t('report.duration.s', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? t('report.duration.minSec', { m, s: s % 60 }) : t('report.duration.min', { m });
  return t('report.duration.hourMin', { h: Math.floor(m / 60), m: String(m % 60).padStart(2, '0') });
}
