import type { OperationHold, RestoreMark } from '../storage/types.ts';

/** A stretch of time, `from <= t < to` (epoch ms; `to` may be Infinity). */
export interface TimeSpan {
  from: number;
  to: number;
}

/**
 * The stretches of a station's track the retention job must not touch, sorted and merged: each
 * evidence hold of an operation with the station covers the operation's window, creation to
 * closing (both included; on for good while it is active), and each restore under way the window
 * of its archive.
 */
export function heldSpans(
  stationId: string,
  holds: readonly OperationHold[],
  restores: readonly RestoreMark[],
): TimeSpan[] {
  const spans = [
    ...holds.filter((h) => h.stations.includes(stationId)).map((h) => ({ from: h.from, to: (h.to ?? Infinity) + 1 })),
    ...restores.filter((r) => r.stations.includes(stationId)).map((r) => ({ from: r.from, to: r.to + 1 })),
  ].sort((a, b) => a.from - b.from);
  const merged: TimeSpan[] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  return merged;
}

/**
 * The parts of `[from, to)` outside the held spans, oldest first: where the job may thin or drop.
 *
 * @example spansOutside(0, 100, [{ from: 20, to: 30 }]) // [{from: 0, to: 20}, {from: 30, to: 100}]
 */
export function spansOutside(from: number, to: number, held: readonly TimeSpan[]): TimeSpan[] {
  const out: TimeSpan[] = [];
  let start = from;
  for (const h of held) {
    if (h.to <= start) continue;
    if (h.from >= to) break;
    if (h.from > start) out.push({ from: start, to: h.from });
    start = h.to;
    if (start >= to) return out;
  }
  if (start < to) out.push({ from: start, to });
  return out;
}
