import type { Alert, AlertState } from '@jointmap/shared';
import { AppError } from '@jointmap/shared';
import { errorText } from '../i18n/error-text.ts';
import { i18n } from '../i18n/i18n.svelte.ts';
import { ApiError } from '../state/api-error.ts';
import { STATE_ORDER } from './alert-store.ts';
import type { AlertsFeed } from './alerts-feed.svelte.ts';

export type AlertAction = 'acknowledge' | 'resolve';

/** The state each action moves an alert to. */
const WANTED: Record<AlertAction, AlertState> = { acknowledge: 'acknowledged', resolve: 'resolved' };

/**
 * How long a refused action waits for the live update of the alert (the server sends it as soon as
 * the other console's action is stored, so it is usually there already or within a moment).
 */
const SETTLE_MS = 3000;

/** Whether an alert in `state` is already where `action` would take it, or past it. */
function reached(action: AlertAction, state: AlertState): boolean {
  return STATE_ORDER[state] >= STATE_ORDER[WANTED[action]];
}

/**
 * What to show under an alert after the server refused `action` as a CONFLICT, given the alert's
 * state as this console now holds it: nothing when it is already in (or past) the wanted state
 * (someone else was first; the row says who), else one sentence, without the server's English.
 */
function conflictText(action: AlertAction, state: AlertState | undefined): string | null {
  return state !== undefined && reached(action, state) ? null : i18n.t('alerts.conflict');
}

/** The alert once this console holds it in (or past) the state `action` wants, or as it is after `ms`. */
function settled(feed: AlertsFeed, id: string, action: AlertAction, ms: number): Promise<Alert | undefined> {
  const now = feed.store.get(id);
  if (now && reached(action, now.state)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve(feed.store.get(id));
    };
    const timer = setTimeout(done, ms);
    const off = feed.onChange(() => {
      const a = feed.store.get(id);
      if (a && reached(action, a.state)) done();
    });
  });
}

/**
 * Acknowledge or resolve one alert. Returns null when done (or when another console did it first),
 * else the sentence to show under the alert.
 */
export async function handleAlert(feed: AlertsFeed, id: string, action: AlertAction): Promise<string | null> {
  try {
    await (action === 'acknowledge' ? feed.acknowledge(id) : feed.resolve(id));
    return null;
  } catch (err) {
    const conflict = (err instanceof ApiError || err instanceof AppError) && err.code === 'CONFLICT';
    if (!conflict) return i18n.t('alerts.failed', { message: errorText(err) });
    return conflictText(action, (await settled(feed, id, action, SETTLE_MS))?.state);
  }
}
