import { isLiveMark, RESTORE_MARK_KEYS, restoreMarkKey, restoreMarkOf } from './restore-marks.ts';
import type { PurgeBatch } from './retention-types.ts';
import type { FixKey } from './types.ts';

/** A span of a station's track that a purge batch leaves: `from <= time <= to`. */
export interface KeptSpan {
  from: number;
  /** Inclusive; Infinity for an operation still active. */
  to: number;
  /** Kept by a restore under way (its mark), not by an operation that exists. */
  restore?: true;
}

/** A row of another operation, not purged, whose window meets the batch (stations as JSON text). */
export interface KeeperRow {
  stations: string;
  created_at: number;
  closed_at: number | null;
}

/** A row of the restore marks (`settings`) of another operation than the purged one. */
export interface MarkRow {
  key: string;
  value: string;
}

/**
 * The parameters of what a purge batch's transaction reads to find what it must leave (both
 * stores): the operations other than the purged one, not purged, whose windows meet `[from, to]`
 * (the batch's times), and the restore marks but the purged operation's own (which stops the
 * batch instead).
 */
export const keeperQueryArgs = (operationId: string, keys: readonly FixKey[]) => {
  let from = keys[0]?.time ?? 0;
  let to = from;
  for (const k of keys) {
    from = Math.min(from, k.time);
    to = Math.max(to, k.time);
  }
  return {
    operationId,
    from,
    to,
    marksFrom: RESTORE_MARK_KEYS.from,
    marksTo: RESTORE_MARK_KEYS.to,
    ownMark: restoreMarkKey(operationId),
  };
};

/**
 * The spans of `stationId`'s track that other operations keep while a purge deletes: the window of
 * every operation of the station that is not purged (a restored one too), and the window of every
 * restore of one under way (its mark, from before its first fix is written until its operation is
 * stored). A mark that is not live at `now` ({@link isLiveMark}: older than six hours) was left by
 * a restore whose process was killed and keeps nothing, as for the retention job. A purge's own
 * windows are worked out when it starts (purge-windows.ts); these are read again in each batch's
 * transaction, because another operation sharing the station may be restored meanwhile, writing
 * fixes that have the keys the purge is deleting.
 *
 * @example
 * keptSpans('deqing', [{ stations: '["deqing"]', created_at: 40, closed_at: 59 }], [], Date.now())
 * // → [{ from: 40, to: 59 }]
 */
export function keptSpans(
  stationId: string,
  operations: readonly KeeperRow[],
  marks: readonly MarkRow[],
  now: number,
): KeptSpan[] {
  const spans: KeptSpan[] = [];
  for (const o of operations)
    if ((JSON.parse(o.stations) as string[]).includes(stationId))
      spans.push({ from: o.created_at, to: o.closed_at ?? Infinity });
  for (const row of marks) {
    const m = restoreMarkOf(row.key, row.value);
    if (m.stations.includes(stationId) && isLiveMark(m, now)) spans.push({ from: m.from, to: m.to, restore: true });
  }
  return spans;
}

/** Whether `time` lies in one of `spans`. */
export const isKept = (time: number, spans: readonly KeptSpan[]): boolean =>
  spans.some((s) => time >= s.from && time <= s.to);

/**
 * Split a batch's keys by `spans`: those it deletes (outside every span), and how many are left,
 * and of those how many only a restore under way keeps.
 */
export function splitKept(
  keys: readonly FixKey[],
  spans: readonly KeptSpan[],
): { drop: FixKey[] } & Pick<PurgeBatch, 'kept' | 'keptForRestores'> {
  if (!spans.length) return { drop: [...keys], kept: 0, keptForRestores: 0 };
  const byOperations = spans.filter((s) => !s.restore);
  const drop: FixKey[] = [];
  let keptForRestores = 0;
  for (const k of keys)
    if (!isKept(k.time, spans)) drop.push(k);
    else if (!isKept(k.time, byOperations)) keptForRestores++;
  return { drop, kept: keys.length - drop.length, keptForRestores };
}
