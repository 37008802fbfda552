import { i18n } from '../i18n/i18n.svelte.ts';
import { CHINA_TIME_ZONE, chinaDay, type ReplayEvent } from '@jointmap/shared';

const STATUS_KEYS: Record<ReplayEvent['kind'], string> = {
  task_raised: 'replay.state',
  task_answered: 'task.status',
  task_closed: 'replay.state',
  unit_dispatched: 'unit.status',
  alert: 'alerts.kind',
  search_started: 'replay.search',
  search_closed: 'replay.search',
};

/** The status an event brought, in words (answer, task state, unit status, alert kind, search status). */
export function eventStatus(e: ReplayEvent): string {
  if (!e.status) return '';
  const key = `${STATUS_KEYS[e.kind]}.${e.status}`;
  const text = i18n.t(key);
  return text === key ? e.status : text;
}

// The replay formats a time for every moment and every event row shown; a new Intl.DateTimeFormat
// each time (what `i18n.formatTime` does) cost more than the rest of a row. Same output, one per locale.
// All of them, and `spansDays`, use China time (`CHINA_TIME_ZONE`), whatever the browser's zone.
type Kind = 'time' | 'short' | 'dayTime' | 'dayShort' | 'date';
const formats = new Map<string, Intl.DateTimeFormat>();
function options(kind: Kind): Intl.DateTimeFormatOptions {
  if (kind === 'date')
    return { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short', timeZone: CHINA_TIME_ZONE };
  return {
    ...(kind === 'dayTime' || kind === 'dayShort' ? { month: 'numeric', day: 'numeric' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    ...(kind === 'time' || kind === 'dayTime' ? { second: '2-digit' } : {}),
    hour12: false,
    timeZone: CHINA_TIME_ZONE,
  };
}
function format(kind: Kind): Intl.DateTimeFormat {
  const locale = i18n.locale;
  const key = `${locale} ${kind}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options(kind));
    formats.set(key, f);
  }
  return f;
}

/**
 * Whether a replay window runs over more than one local day: its times then need their day, or
 * 09:15 of the first morning and of the second read the same.
 */
export function spansDays(from: number, to: number): boolean {
  return chinaDay(from) !== chinaDay(to);
}

/**
 * `i18n.formatTime` with a formatter kept per locale; `withDay` puts the day in front.
 *
 * @example replayTime(t, true, spansDays(from, to)) // '09:15:00', or '12/3 09:15:00' over several days
 */
export function replayTime(ms: number, seconds = true, withDay = false): string {
  return format(withDay ? (seconds ? 'dayTime' : 'dayShort') : seconds ? 'time' : 'short').format(ms);
}

/** `i18n.formatDate` with a formatter kept per locale. */
export function replayDate(ms: number): string {
  return format('date').format(ms);
}
