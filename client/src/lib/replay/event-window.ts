import type { ReplayEvent, ReplayEventKind } from '@jointmap/shared';

/** Index of the last event at or before `at` (events sorted by time), −1 when none is. */
export function currentIndex(events: readonly ReplayEvent[], at: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.time <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The rows of a list of `count` rows of `rowHeight` px to put in the page when it is scrolled to
 * `scrollTop` and `viewHeight` px high: the visible ones and `overscan` more on each side. A long
 * operation has thousands of events; rendering them all made every moment's style, layout, paint
 * and hit test walk tens of thousands of nodes.
 */
export function visibleRows(
  scrollTop: number,
  viewHeight: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): { start: number; end: number } {
  if (count === 0) return { start: 0, end: 0 };
  if (!(rowHeight > 0)) return { start: 0, end: Math.min(count, 2 * overscan) };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewHeight)) / rowHeight);
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end };
}

/** Where to scroll so row `index` is in view (centred), or null when it already is. */
export function scrollToShow(index: number, scrollTop: number, viewHeight: number, rowHeight: number): number | null {
  if (index < 0 || !(rowHeight > 0)) return null;
  const top = index * rowHeight;
  if (top >= scrollTop && top + rowHeight <= scrollTop + viewHeight) return null;
  return Math.max(0, top - viewHeight / 2);
}

const RANK: Record<ReplayEventKind, number> = {
  alert: 3,
  task_raised: 2,
  task_closed: 2,
  task_answered: 1,
  unit_dispatched: 1,
  search_started: 1,
  search_closed: 1,
  search_resumed: 1,
};

/**
 * The slider's event marks, one per pixel column at most (`columns` across `from`–`to`): the most
 * important kind that falls in the column (alerts, then tasks raised or closed, then the rest).
 */
export function tickColumns(
  events: readonly ReplayEvent[],
  from: number,
  to: number,
  columns: number,
): Map<number, ReplayEventKind> {
  const out = new Map<number, ReplayEventKind>();
  const n = Math.max(1, Math.floor(columns));
  const span = Math.max(1, to - from);
  for (const e of events) {
    const x = Math.min(n - 1, Math.max(0, Math.floor(((e.time - from) / span) * n)));
    const had = out.get(x);
    if (!had || RANK[e.kind] > RANK[had]) out.set(x, e.kind);
  }
  return out;
}
