import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { compareFixes, type UnitKey } from '@jointmap/shared';
import type { PositionFix, PositionStore } from '../storage/types.ts';

/** Rows asked at a time per unit by {@link mergedFixes}: one unit's page is one short read. */
export const MERGE_PAGE = 2_000;

export type TrackStore = Pick<PositionStore, 'track'>;

/**
 * A unit's stored fixes with `from <= time <= to`, oldest first (ties: device id), a page at a
 * time, with a turn of the event loop after each read: a SQLite read is synchronous, and reads of
 * many units' days one after another would hold every other request meanwhile. A page that ends
 * inside a run of fixes of one millisecond (several trackers on the unit) is re-read from that
 * millisecond on; a millisecond that fills a page alone is read whole. Nothing is skipped or
 * handed out twice.
 */
export async function* unitPages(
  store: TrackStore,
  unit: UnitKey,
  from: number,
  to: number,
  pageSize: number,
): AsyncGenerator<PositionFix[]> {
  for (let cursor = from; cursor <= to;) {
    const page = await store.track(unit.stationId, unit.unitId, cursor, to, pageSize);
    await yieldToEventLoop();
    if (page.length < pageSize) {
      if (page.length) yield page;
      return;
    }
    const last = page.at(-1)!.time;
    const before = page.filter((f) => f.time < last);
    if (before.length) {
      yield before;
      cursor = last;
      continue;
    }
    let whole = page;
    for (let limit = pageSize * 2; whole.length === limit / 2; limit *= 2) {
      whole = await store.track(unit.stationId, unit.unitId, last, last, limit);
      await yieldToEventLoop();
    }
    yield whole;
    cursor = last + 1;
  }
}

/** One unit's place in a merge: the page it is reading and the fix it is at. */
interface Head {
  order: number;
  pages: AsyncIterator<PositionFix[]>;
  page: PositionFix[];
  at: number;
}

/** Heads by their next fix: `compareFixes`, then the unit's place in the list (as a stable sort). */
const before = (a: Head, b: Head): boolean => {
  const c = compareFixes(a.page[a.at]!, b.page[b.at]!);
  return c < 0 || (c === 0 && a.order < b.order);
};

/**
 * Several units' stored fixes with `from <= time <= to` in the order of `compareFixes` (time, then
 * device id; ties between units: their order in `units`), so a rebuild replays fixes in the same
 * order whatever order they arrived in, handed out in batches as they are read: each unit's track a page of `pageSize` at a time ({@link unitPages}, a turn of the event
 * loop after each read), merged on the fly. What is held at once is a page per unit, never the
 * tracks. A batch holds at most `pageSize` fixes and the event loop gets a turn before the next
 * one, so a consumer that works through each batch as it comes never holds it for longer.
 *
 * @example
 * for await (const batch of mergedFixes(storage, units, from, to)) for (const f of batch) tracker.addFix(f, lngLat(f.lng, f.lat), f.time, f.deviceId);
 */
export async function* mergedFixes(
  store: TrackStore,
  units: readonly UnitKey[],
  from: number,
  to: number,
  pageSize = MERGE_PAGE,
): AsyncGenerator<PositionFix[]> {
  const heap: Head[] = [];
  const next = async (h: Head): Promise<boolean> => {
    const r = await h.pages.next();
    if (r.done) return false;
    h.page = r.value;
    h.at = 0;
    return true;
  };
  for (const [order, unit] of units.entries()) {
    const h: Head = { order, pages: unitPages(store, unit, from, to, pageSize), page: [], at: 0 };
    if (await next(h)) push(heap, h);
  }
  let batch: PositionFix[] = [];
  while (heap.length) {
    const h = heap[0]!;
    batch.push(h.page[h.at++]!);
    if (h.at < h.page.length) {
      siftDown(heap, 0);
      // Units reporting at one rate end their pages together: a turn every page's worth anyway.
      if (batch.length < pageSize) continue;
      yield batch;
      batch = [];
      await yieldToEventLoop();
      continue;
    }
    pop(heap);
    // Everything in the batch comes before every fix not read yet: hand it out before reading on.
    yield batch;
    batch = [];
    if (await next(h)) push(heap, h);
  }
  if (batch.length) yield batch;
}

function push(heap: Head[], h: Head): void {
  heap.push(h);
  for (let i = heap.length - 1; i > 0;) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function pop(heap: Head[]): void {
  const last = heap.pop()!;
  if (!heap.length) return;
  heap[0] = last;
  siftDown(heap, 0);
}

function siftDown(heap: Head[], i: number): void {
  for (;;) {
    const l = i * 2 + 1;
    const r = l + 1;
    let least = i;
    if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
    if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
    if (least === i) return;
    [heap[i], heap[least]] = [heap[least]!, heap[i]!];
    i = least;
  }
}
