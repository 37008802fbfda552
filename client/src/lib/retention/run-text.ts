import type { MessageParams } from '../i18n/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { RetentionRunView } from './retention-api.ts';

/** A server's message as a detail of a sentence: cut so the sentence stays readable. */
const MAX_ERROR = 160;

/**
 * The last retention run in words: failed (with the server's reason), stopped before its end (the
 * server shut down during it), or whole, each with what it did. A failed or stopped run never
 * reads as a whole one.
 */
export function lastRunText(
  t: (key: MessageKey, params?: MessageParams) => string,
  formatDateTime: (ms: number) => string,
  run: RetentionRunView,
): string {
  const params = {
    time: formatDateTime(run.finishedAt ?? run.startedAt),
    thinned: run.thinRemoved,
    dropped: run.dropped,
    done: run.unitsDone,
    total: run.unitsTotal,
  };
  if (run.error !== null && run.error !== undefined) {
    const error = run.error.length > MAX_ERROR ? `${run.error.slice(0, MAX_ERROR - 1)}…` : run.error;
    return t('retention.lastRunFailed', { ...params, error });
  }
  if (run.unitsDone < run.unitsTotal) return t('retention.lastRunStopped', params);
  return t('retention.lastRun', params);
}
