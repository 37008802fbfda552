import { i18n } from '../i18n/i18n.svelte.ts';
import type { ReplayEvent } from './replay-api.ts';

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
