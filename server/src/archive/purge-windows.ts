import type { Operation } from '../storage/types.ts';

export interface Window {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
}

/**
 * The parts of `window` in which a purge may delete a station's fixes: the window less every
 * window of another operation (not purged) that includes the station, an active one reaching to
 * the end of time. Tracks belong to stations, not to operations, so fixes another operation still
 * shows are never purged with this one.
 *
 * @example
 * purgeWindows({ from: 0, to: 100 }, 'deqing', [{ stations: ['deqing'], createdAt: 40, closedAt: 59 }])
 * // → [{ from: 0, to: 40 }, { from: 60, to: 100 }]
 */
export function purgeWindows(
  window: Window,
  stationId: string,
  others: ReadonlyArray<Pick<Operation, 'stations' | 'createdAt' | 'closedAt'>>,
): Window[] {
  const blocked = others
    .filter((o) => o.stations.includes(stationId))
    .map((o) => ({ from: o.createdAt, to: o.closedAt == null ? Infinity : o.closedAt + 1 }))
    .sort((a, b) => a.from - b.from);
  const out: Window[] = [];
  let cursor = window.from;
  for (const b of blocked) {
    if (b.to <= cursor) continue;
    if (b.from >= window.to) break;
    if (b.from > cursor) out.push({ from: cursor, to: Math.min(b.from, window.to) });
    cursor = Math.max(cursor, b.to);
    if (cursor >= window.to) break;
  }
  if (cursor < window.to) out.push({ from: cursor, to: window.to });
  return out;
}
