import type { Alert } from '@jointmap/shared';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AlertFilter, AlertStore } from '../storage/types.ts';

/** Alerts read from the store at a time (a SQLite read is synchronous: a page, then a turn of the event loop). */
export const ALERTS_PAGE = 2_000;

/**
 * Every alert of an operation that `filter` selects, in the store's order (newest first by alert
 * time, then by id), read a page at a time: each page starts after the last alert of the one
 * before (`AlertFilter.after`), so none is skipped or read twice however many there are, and an
 * alert stored meanwhile is listed at most once.
 *
 * @example
 * for await (const page of alertPages(storage, op.id, { raisedUntil: at })) out.push(...alertsAt(page, at));
 */
export async function* alertPages(
  store: Pick<AlertStore, 'listAlerts'>,
  operationId: string,
  filter: Omit<AlertFilter, 'limit' | 'after'> = {},
  pageSize = ALERTS_PAGE,
): AsyncGenerator<Alert[]> {
  let after: AlertFilter['after'];
  for (;;) {
    const page = await store.listAlerts(operationId, { ...filter, ...(after ? { after } : {}), limit: pageSize });
    if (page.length) yield page;
    if (page.length < pageSize) return;
    const last = page.at(-1)!;
    after = { time: last.time, id: last.id };
    await yieldToEventLoop();
  }
}
