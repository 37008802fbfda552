import { i18n } from '../i18n/i18n.svelte.ts';
import type { ReplayEvent } from '@jointmap/shared';

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
const formats = new Map<string, Intl.DateTimeFormat>();
function format(kind: 'time' | 'short' | 'date'): Intl.DateTimeFormat {
  const locale = i18n.locale;
  const key = `${locale} ${kind}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      locale,
      kind === 'date'
        ? { year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' }
        : { hour: '2-digit', minute: '2-digit', ...(kind === 'time' ? { second: '2-digit' } : {}), hour12: false },
    );
    formats.set(key, f);
  }
  return f;
}

/** `i18n.formatTime` with a formatter kept per locale. */
export function replayTime(ms: number, seconds = true): string {
  return format(seconds ? 'time' : 'short').format(ms);
}

/** `i18n.formatDate` with a formatter kept per locale. */
export function replayDate(ms: number): string {
  return format('date').format(ms);
}
