/**
 * A restore under way: the window of its archive (`from <= time <= to`) is protected as a hold
 * is, from before its first fix is written until its operation and hold are.
 */
export interface RestoreMark {
  operationId: string;
  stations: string[];
  from: number;
  to: number;
  startedAt: number;
  /** Tells two restores of one operation apart (one that ends removes only its own mark). */
  id?: string;
}

/**
 * Longer than any restore takes (a 4 GiB archive restores in minutes): a mark this old was left by
 * a restore whose process was killed, and holds nothing any more (see {@link isLiveMark}).
 */
export const RESTORE_MARK_MAX_MS = 6 * 3600_000;

/**
 * Whether `mark` may be of a restore still under way at `now`: the one rule by which the retention
 * job, a purge's batches and a second restore of the same operation tell a restore under way from
 * one a crash left behind.
 */
export const isLiveMark = (mark: Pick<RestoreMark, 'startedAt'>, now: number): boolean =>
  mark.startedAt > deadBefore(now);

/** A mark's `startedAt` at or before which it is dead at `now` (the SQL checks use it too). */
export const deadBefore = (now: number): number => now - RESTORE_MARK_MAX_MS;

/**
 * Restore marks live in the `settings` table, one row per operation, so that every instance on
 * the same store sees them and they outlast a crash (a restore run again replaces the mark the
 * crash left, `markArgs`). Both stores order keys bytewise (PostgreSQL: `COLLATE "C"`), so the
 * marks are one key range.
 */
const PREFIX = 'restore-mark/';

/** The key range holding every mark: `from <= key < to`. */
export const RESTORE_MARK_KEYS = { from: PREFIX, to: `${PREFIX.slice(0, -1)}0` } as const;

export const restoreMarkKey = (operationId: string): string => `${PREFIX}${operationId}`;

export const restoreMarkValue = (m: RestoreMark): string =>
  JSON.stringify({ stations: m.stations, from: m.from, to: m.to, startedAt: m.startedAt, id: m.id });

/**
 * The parameters of a mark's conditional insert (both stores): the row, the `startedAt` at or
 * before which an existing mark is dead as the new one begins, and the exact value it may replace.
 */
export const markArgs = (mark: RestoreMark, replaces: RestoreMark | null | undefined) => ({
  key: restoreMarkKey(mark.operationId),
  value: restoreMarkValue(mark),
  deadBefore: deadBefore(mark.startedAt),
  replaces: replaces ? restoreMarkValue(replaces) : null,
});

export function restoreMarkOf(key: string, value: string): RestoreMark {
  const v = JSON.parse(value) as Omit<RestoreMark, 'operationId'>;
  return {
    operationId: key.slice(PREFIX.length),
    stations: v.stations,
    from: v.from,
    to: v.to,
    startedAt: v.startedAt,
    ...(v.id === undefined ? {} : { id: v.id }),
  };
}
