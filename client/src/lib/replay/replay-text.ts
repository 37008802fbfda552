import { i18n } from '../i18n/i18n.svelte.ts';
import { chinaDay, type ReplayEvent } from '@jointmap/shared';
import { chinaTimeFormat } from '../i18n/china-time.ts';

const STATUS_KEYS: Record<ReplayEvent['kind'], string> = {
  task_raised: 'replay.state',
  task_answered: 'task.status',
  task_closed: 'replay.state',
  unit_dispatched: 'unit.status',
  alert: 'alerts.kind',
  search_started: 'replay.search',
  search_closed: 'replay.search',
  search_resumed: 'replay.search',
};

/** The status an event brought, in words (answer, task state, unit status, alert kind, search status). */
export function eventStatus(e: ReplayEvent): string {
  if (!e.status) return '';
  const key = `${STATUS_KEYS[e.kind]}.${e.status}`;
  const text = i18n.t(key);
  return text === key ? e.status : text;
}

/**
 * Whether a replay window runs over more than one local day: its times then need their day, or
 * 09:15 of the first morning and of the second read the same.
 */
export function spansDays(from: number, to: number): boolean {
  return chinaDay(from) !== chinaDay(to);
}

/**
 * `i18n.formatTime` (China time); `withDay` puts the day in front.
 *
 * @example replayTime(t, true, spansDays(from, to)) // '09:15:00', or '12/3 09:15:00' over several days
 */
export function replayTime(ms: number, seconds = true, withDay = false): string {
  return chinaTimeFormat(i18n.locale, withDay ? (seconds ? 'dayTime' : 'dayShort') : seconds ? 'time' : 'short').format(
    ms,
  );
}

/** `i18n.formatDate`: the China-time day with its weekday. */
export function replayDate(ms: number): string {
  return i18n.formatDate(ms);
}
