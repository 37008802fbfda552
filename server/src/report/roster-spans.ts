import type { UnitStory } from './report-replay.ts';

/** A stretch of time, `from <= time < to` (epoch ms). */
export interface Span {
  from: number;
  to: number;
}

/**
 * When a unit was on its station's roster within `[from, to)`: from its record's first change (it
 * was added, or added back after a removal) to its removal (`status: null`), the last one open to
 * `to`. The report counts a unit's distance and draws its track only within these, as its time per
 * status (`timePerStatus`): a unit taken off the roster is no longer part of the operation, though
 * its tracker may go on reporting.
 *
 * @example rosterSpans([{ time: 10, status: 'available' }, { time: 50, status: null }, { time: 80, status: 'busy' }], 0, 100)
 * // [{ from: 10, to: 50 }, { from: 80, to: 100 }]
 */
export function rosterSpans(changes: UnitStory['changes'], from: number, to: number): Span[] {
  const out: Span[] = [];
  const add = (start: number, end: number) => {
    const span = { from: Math.max(from, start), to: Math.min(to, end) };
    if (span.to > span.from) out.push(span);
  };
  let start: number | null = null;
  for (const c of changes) {
    if (c.status !== null && start === null) start = c.time;
    else if (c.status === null && start !== null) {
      add(start, c.time);
      start = null;
    }
  }
  if (start !== null) add(start, to);
  return out;
}
