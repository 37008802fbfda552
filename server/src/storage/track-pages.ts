import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PositionFix, RetentionStore } from './types.ts';

/**
 * Every fix of a unit with `from <= time < to`, oldest first, read a page at a time (one short
 * storage call each, then a turn of the event loop, so ingest and relays go on). Fixes of one
 * millisecond from several trackers may straddle a page boundary: that millisecond is read again
 * whole and nothing is yielded twice or skipped.
 */
export async function* trackFixes(
  store: Pick<RetentionStore, 'trackPage'>,
  stationId: string,
  unitId: string,
  from: number,
  to: number,
  pageSize = 2_000,
): AsyncGenerator<PositionFix> {
  for (let cursor = from; cursor < to;) {
    const page = await store.trackPage(stationId, unitId, cursor, to, pageSize);
    if (page.length < pageSize) {
      yield* page;
      return;
    }
    // Up to the last millisecond of the page, then that millisecond whole.
    const last = page.at(-1)!.time;
    for (const f of page) if (f.time < last) yield f;
    let offset = 0;
    for (;;) {
      const same = await store.trackPage(stationId, unitId, last, last + 1, offset + pageSize);
      yield* same.slice(offset);
      if (same.length < offset + pageSize) break;
      offset = same.length;
    }
    cursor = last + 1;
    await yieldToEventLoop();
  }
}
