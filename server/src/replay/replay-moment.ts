import type { Operation } from '../storage/types.ts';

/**
 * The moment a replay reads its stations' fixes at: the moment asked for, read as the close when it
 * is after it (a closed operation does not keep sharing its stations' positions: where a station's
 * units went afterwards is for that station and its live operations to show), and never after the
 * server's now (a moment far ahead would only read every fix there is, up to the fixes a tracker
 * stamped ahead of time). Positions and coverage both read through it.
 *
 * @example replayMoment(op, closedAt + 3600_000, Date.now()) === closedAt
 */
export function replayMoment(op: Pick<Operation, 'closedAt'>, at: number, now: number): number {
  return Math.min(at, op.closedAt ?? Number.POSITIVE_INFINITY, now);
}
