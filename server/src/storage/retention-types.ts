/**
 * The retention and archive parts of `Storage` (`RetentionStore`, `ArchiveStore`) and their
 * records, implemented by sqlite-retention.ts / pg-retention.ts and sqlite-archive.ts /
 * pg-archive.ts.
 */
import type { Operation, PositionFix, Station } from './types.ts';
import type { LoggedUpdate } from './update-log-types.ts';
import type { RestoreMark } from './restore-marks.ts';

/** A unit's track and how far back it has been thinned. */
export interface TrackUnit {
  stationId: string;
  unitId: string;
  /** Thinning has passed fixes with `time < thinnedUntil` (0: none yet); held ones it left whole. */
  thinnedUntil: number;
}

/**
 * An evidence hold: the fixes of the operation's stations within its window, `from <= time <= to`,
 * are never thinned or dropped (docs/decisions.md, "Evidence holds cover the operation's window").
 */
export interface OperationHold {
  operationId: string;
  stations: string[];
  /** The operation's creation. */
  from: number;
  /** The operation's closing; null while it is active (held on from `from`). */
  to: number | null;
  keptBy: string;
  keptAt: number;
}

/** A fix's key within one unit's track. */
export interface FixKey {
  time: number;
  deviceId: string;
}

/** A fix's key in the whole track. */
export interface UnitFixKey extends FixKey {
  stationId: string;
  unitId: string;
}

/**
 * What the retention job needs (server/src/retention/). Every call is one short transaction, so
 * ingest and relays never wait behind a long one. See docs/decisions.md, "Track retention".
 */
export interface RetentionStore {
  /** Stations that have any fix in the track (restored ones too), in id order. */
  trackStations(): Promise<string[]>;
  /** Thinning watermarks of a station's units, by unit id (a unit never thinned has none). */
  thinnedUntilOfStation(stationId: string): Promise<Map<string, number>>;
  /** Fixes of a unit with `from <= time < to`, oldest first (ties: device id), at most `limit`. */
  trackPage(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]>;
  /** The newest fix of a unit with `time < before`. */
  lastFixBefore(stationId: string, unitId: string, before: number): Promise<PositionFix | null>;
  /** Remove these fixes and move the unit's watermark to `thinnedUntil`, in one transaction. */
  thinFixes(stationId: string, unitId: string, remove: readonly FixKey[], thinnedUntil: number): Promise<void>;
  /** Delete at most `limit` fixes of a unit with `from <= time < to`; returns how many went. */
  dropFixesIn(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<number>;
  /** Set (`keptBy` an account id) or lift (`null`) an operation's hold; false for an unknown operation. */
  setOperationHold(operationId: string, keptBy: string | null, now: number): Promise<boolean>;
  operationHolds(): Promise<OperationHold[]>;
  /** The operation's hold, null when it has none. */
  operationHold(operationId: string): Promise<OperationHold | null>;
  /**
   * Protect a restore's window before it writes. Stores the mark only where its operation has none,
   * or a dead one (`isLiveMark` false at `mark.startedAt`), or exactly `replaces` (a mark this
   * instance's restore left when a stop cut it short); true when it did. False: another restore of
   * the operation holds it (begun on any instance, however shortly before), and nothing was written.
   */
  markRestore(mark: RestoreMark, replaces?: RestoreMark | null): Promise<boolean>;
  /**
   * Remove a restore's mark (its restore ended, whole or failed), unless another restore of the
   * operation replaced it meanwhile: that one's stays until it ends.
   */
  unmarkRestore(mark: RestoreMark): Promise<void>;
  /** Restores under way, on any instance of the store. */
  restoreMarks(): Promise<RestoreMark[]>;
  /**
   * Before a bulk writer's next transaction: resolves when it can commit without meeting a held
   * lock or holding up a WAL restart (SQLite: no checkpoint round behind the gate); absent where commits never wait so.
   */
  settle?(): Promise<void>;
}

/** An operation archive written by an instance of the store (server/src/archive/). */
export interface ArchiveRecord {
  id: string;
  operationId: string;
  /** File name under `ARCHIVE_DIR`. */
  file: string;
  bytes: number;
  /** SHA-256 of the whole file, hex. */
  sha256: string;
  createdAt: number;
  createdBy: string;
  /** Record counts of the archive, by kind (`updates`, `fixes`, `alerts`). */
  counts: Record<string, number>;
  /**
   * The instance that wrote the file, as `host:ARCHIVE_DIR` (its file is there, and on every
   * instance sharing that directory); null for an archive recorded before this was kept.
   */
  instance?: string | null;
}

/** A document's update log entry as an archive restores it (its original seq, time and authors). */
export interface RestoredDoc {
  doc: string;
  updates: readonly LoggedUpdate[];
}

/** A purge under way: the operation, and the archive its fixes are deleted after. */
export interface PurgeUnderWay {
  operationId: string;
  archiveId: string;
}

/** What one batch of a purge did ({@link ArchiveStore.dropPurgedFixes}). */
export interface PurgeBatch {
  /** Fixes deleted (fewer than named when another run of the same purge deleted some first). */
  dropped: number;
  /** Keys named that other operations keep, left. */
  kept: number;
  /**
   * Of those, the keys only a restore under way keeps (no operation that exists shows them): if
   * that restore fails, nothing keeps them, so the purge is not finished until a later pass.
   */
  keptForRestores: number;
}

/**
 * Closing, archiving, purging and restoring operations (server/src/archive/). Purges run in small
 * batches like the retention job's, so ingest and relays never wait behind them.
 */
export interface ArchiveStore {
  /** Set an active operation's status to closed at `closedAt`; false when unknown or not active. */
  closeOperation(id: string, closedAt: number): Promise<boolean>;
  recordArchive(record: ArchiveRecord): Promise<void>;
  /** Archives of an operation, newest first. */
  listArchives(operationId: string): Promise<ArchiveRecord[]>;
  /** Units of a station that have any fix (restored ones too), in id order. */
  trackUnitsOfStation(stationId: string): Promise<string[]>;
  /**
   * One batch of purge `purge`: delete these fixes of a unit (the archive's own, so a fix it does
   * not hold, one a tracker sent late or one stored after the archive read its unit, stays), less
   * those other operations of the station keep as the batch deletes: the windows of operations not
   * purged (one restored since the purge began too) and of restores of other operations under way
   * (their live marks, `isLiveMark`; purge-kept-spans.ts). Null, deleting nothing, when the purge is
   * not to go on: no longer under way with that archive, the operation held as evidence, or a
   * restore of it under way. The check, the look at what others keep and the delete are one
   * transaction that holds the operation's row, so setting a hold waits for a batch in progress.
   */
  dropPurgedFixes(
    purge: PurgeUnderWay,
    stationId: string,
    unitId: string,
    keys: readonly FixKey[],
  ): Promise<PurgeBatch | null>;
  /**
   * Delete the update logs and snapshots of `docs` and mark the operation purged, in one
   * transaction; with `archiveId`, its purge is recorded as under way in it too (its fixes are
   * still to go, after that archive) until {@link finishPurge}. False, changing nothing, when the
   * operation is held as evidence.
   */
  purgeOperationDocs(
    operationId: string,
    docs: readonly string[],
    purgedAt: number,
    archiveId?: string,
  ): Promise<boolean>;
  /** Purges whose documents went but whose fixes may not all have (a crash cut them short, or they run). */
  purgesUnderWay(): Promise<PurgeUnderWay[]>;
  /** The purge of `operationId` after archive `archiveId` deleted its last fix: no longer under way. */
  finishPurge(operationId: string, archiveId: string): Promise<void>;
  /**
   * Insert fixes into the track only (never the latest positions: they are history); repeats kept
   * once. Returns the keys of those it inserted (not those already there), so a failed restore
   * takes back exactly what it added ({@link dropRestoredFixes}).
   */
  restoreFixes(fixes: readonly PositionFix[]): Promise<UnitFixKey[]>;
  /** Delete these fixes of a unit (a failed restore's own); returns how many went. */
  dropRestoredFixes(stationId: string, unitId: string, keys: readonly FixKey[]): Promise<number>;
  /** Delete these alerts of an operation (those a failed restore inserted). */
  dropRestoredAlerts(operationId: string, ids: readonly string[]): Promise<void>;
  /**
   * Write an archived operation: its documents' update logs (replacing any leftover of an earlier
   * failed restore), then the operation row with its evidence hold, in one transaction, so it
   * appears whole (and held) or not at all. A purged row of the same id is replaced; any other
   * existing row makes it fail. `stations` (none when not given) the store lacks are added in the same transaction; those
   * it has are kept as they are.
   */
  restoreOperation(
    op: Operation,
    docs: readonly RestoredDoc[],
    hold: { keptBy: string; keptAt: number },
    stations?: readonly Station[],
  ): Promise<void>;
}
