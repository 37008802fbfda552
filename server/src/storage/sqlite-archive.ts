import type Database from 'better-sqlite3';
import type {
  ArchiveRecord,
  ArchiveStore,
  FixKey,
  Operation,
  PositionFix,
  PurgeUnderWay,
  ReplayCheckpoint,
  RestoredDoc,
  Station,
  UnitFixKey,
} from './types.ts';
import type { Row } from './rows.ts';
import { stationRow } from './sqlite-rows.ts';
import { deadBefore, restoreMarkKey } from './restore-marks.ts';
import { keeperQueryArgs, keptSpans, splitKept, type KeeperRow, type MarkRow } from './purge-kept-spans.ts';
import type { PurgeBatch } from './retention-types.ts';

type Hold = { keptBy: string; keptAt: number };

/**
 * The SQLite side of {@link ArchiveStore}. Deletes go in batches (`dropPurgedFixes`) or per
 * operation's documents in one transaction (an operation's update log is thousands of rows, not
 * millions: well under the retention job's batch cost per row).
 */
export class SqliteArchiveStore implements Pick<
  ArchiveStore,
  | 'closeOperation'
  | 'recordArchive'
  | 'listArchives'
  | 'trackUnitsOfStation'
  | 'dropPurgedFixes'
  | 'purgesUnderWay'
  | 'finishPurge'
  | 'restoreFixes'
  | 'dropRestoredFixes'
  | 'dropRestoredAlerts'
  | 'restoreOperation'
> {
  private readonly stmts;
  private readonly purgeTx: (
    operationId: string,
    docs: readonly string[],
    purgedAt: number,
    archiveId: string | null,
  ) => boolean;
  private readonly purgeBatchTx: (
    purge: PurgeUnderWay,
    station: string,
    unit: string,
    keys: readonly FixKey[],
  ) => PurgeBatch | null;
  private readonly restoreFixesTx: (fixes: readonly PositionFix[]) => UnitFixKey[];
  private readonly dropKeysTx: (station: string, unit: string, keys: readonly FixKey[]) => number;
  private readonly dropAlertsTx: (operationId: string, ids: readonly string[]) => void;
  private readonly restoreTx: (
    op: Operation,
    docs: readonly RestoredDoc[],
    hold: Hold,
    stations: readonly Station[],
    checkpoints: readonly ReplayCheckpoint[],
  ) => void;

  constructor(db: Database.Database) {
    this.stmts = {
      close: db.prepare("UPDATE operations SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'active'"),
      record: db.prepare(
        `INSERT INTO operation_archives (id, operation_id, file, bytes, sha256, created_at, created_by, counts, instance)
         VALUES (@id, @operationId, @file, @bytes, @sha256, @createdAt, @createdBy, @counts, @instance)`,
      ),
      archives: db.prepare('SELECT * FROM operation_archives WHERE operation_id = ? ORDER BY created_at DESC, id'),
      // A loose index scan over the track's key: one seek per unit, however many fixes each has.
      units: db.prepare(
        `WITH RECURSIVE u(unit) AS (
           SELECT MIN(unit_id) FROM positions_track WHERE station_id = @station
           UNION ALL
           SELECT (SELECT MIN(unit_id) FROM positions_track WHERE station_id = @station AND unit_id > u.unit) FROM u
           WHERE u.unit IS NOT NULL
         ) SELECT unit FROM u WHERE unit IS NOT NULL`,
      ),
      dropKey: db.prepare(
        'DELETE FROM positions_track WHERE station_id = ? AND unit_id = ? AND time = ? AND device_id = ?',
      ),
      dropAlert: db.prepare('DELETE FROM alerts WHERE operation_id = ? AND id = ?'),
      addStation: db.prepare(
        `INSERT INTO stations (id, name, short_name, adcode, color, jurisdiction)
         VALUES (@id, @name, @shortName, @adcode, @color, @jurisdiction) ON CONFLICT (id) DO NOTHING`,
      ),
      deleteUpdates: db.prepare('DELETE FROM doc_updates WHERE doc = ?'),
      deleteSnapshot: db.prepare('DELETE FROM doc_snapshots WHERE doc = ?'),
      markPurged: db.prepare(
        'UPDATE operations SET purged_at = COALESCE(purged_at, ?), purging_archive = ? WHERE id = ?',
      ),
      held: db.prepare('SELECT 1 FROM operations WHERE id = ? AND kept_by IS NOT NULL'),
      // A restore of the operation stops it while its mark is live (`isLiveMark`; a dead one was
      // left by a restore whose process was killed).
      purgeGoesOn: db.prepare(
        `SELECT 1 FROM operations WHERE id = @operationId AND purging_archive = @archiveId AND kept_by IS NULL
         AND NOT EXISTS (SELECT 1 FROM settings WHERE key = @mark AND json_extract(value, '$.startedAt') > @deadBefore)`,
      ),
      // What other operations keep (purge-kept-spans.ts): read in each batch's transaction.
      keepers: db.prepare(
        `SELECT stations, created_at, closed_at FROM operations
         WHERE id <> @operationId AND purged_at IS NULL AND created_at <= @to AND (closed_at IS NULL OR closed_at >= @from)`,
      ),
      otherMarks: db.prepare(
        'SELECT key, value FROM settings WHERE key >= @marksFrom AND key < @marksTo AND key <> @ownMark',
      ),
      underWay: db.prepare(
        'SELECT id, purging_archive FROM operations WHERE purging_archive IS NOT NULL ORDER BY purged_at, id',
      ),
      finishPurge: db.prepare('UPDATE operations SET purging_archive = NULL WHERE id = ? AND purging_archive = ?'),
      insertFix: db.prepare(
        `INSERT OR IGNORE INTO positions_track (unit_id, time, device_id, station_id, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at)
         VALUES (@unitId, @time, @deviceId, @stationId, @lng, @lat, @speed, @bearing, @altitude, @accuracy, @battery, @alarm, @receivedAt)`,
      ),
      insertUpdate: db.prepare(
        'INSERT INTO doc_updates (doc, seq, update_bytes, session_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertOperation: db.prepare(
        `INSERT INTO operations (id, name, kind, status, stations, created_by, created_at, closed_at, restored_at, kept_by, kept_at)
         VALUES (@id, @name, @kind, @status, @stations, @createdBy, @createdAt, @closedAt, @restoredAt, @keptBy, @keptAt)`,
      ),
      insertCheckpoint: db.prepare(
        'INSERT OR IGNORE INTO replay_checkpoints (doc, seq, count, max_time, state) VALUES (?, ?, ?, ?, ?)',
      ),
      deletePurged: db.prepare('DELETE FROM operations WHERE id = ? AND purged_at IS NOT NULL'),
    };
    this.purgeTx = db.transaction(
      (operationId: string, docs: readonly string[], purgedAt: number, archiveId: string | null) => {
        if (this.stmts.held.get(operationId)) return false;
        for (const doc of docs) {
          this.stmts.deleteUpdates.run(doc);
          this.stmts.deleteSnapshot.run(doc);
        }
        this.stmts.markPurged.run(purgedAt, archiveId, operationId);
        return true;
      },
    );
    const dropKeys = (station: string, unit: string, keys: readonly FixKey[]) => {
      let n = 0;
      for (const k of keys) n += this.stmts.dropKey.run(station, unit, k.time, k.deviceId).changes;
      return n;
    };
    // One synchronous transaction: no restore (of this process, the only one on the file) writes
    // between its reading what the others keep and its deletes.
    this.purgeBatchTx = db.transaction(
      (purge: PurgeUnderWay, station: string, unit: string, keys: readonly FixKey[]): PurgeBatch | null => {
        const now = Date.now();
        const goesOn = this.stmts.purgeGoesOn.get({
          operationId: purge.operationId,
          archiveId: purge.archiveId,
          mark: restoreMarkKey(purge.operationId),
          deadBefore: deadBefore(now),
        });
        if (!goesOn) return null;
        const args = keeperQueryArgs(purge.operationId, keys);
        const kept = keptSpans(
          station,
          this.stmts.keepers.all(args) as KeeperRow[],
          this.stmts.otherMarks.all(args) as MarkRow[],
          now,
        );
        const { drop, ...left } = splitKept(keys, kept);
        return { dropped: dropKeys(station, unit, drop), ...left };
      },
    );
    this.dropKeysTx = db.transaction(dropKeys);
    this.dropAlertsTx = db.transaction((operationId: string, ids: readonly string[]) => {
      for (const id of ids) this.stmts.dropAlert.run(operationId, id);
    });
    this.restoreFixesTx = db.transaction((fixes: readonly PositionFix[]) => {
      const added: UnitFixKey[] = [];
      for (const f of fixes)
        if (this.stmts.insertFix.run(f).changes)
          added.push({ stationId: f.stationId, unitId: f.unitId, time: f.time, deviceId: f.deviceId });
      return added;
    });
    this.restoreTx = db.transaction(
      (
        op: Operation,
        docs: readonly RestoredDoc[],
        hold: Hold,
        stations: readonly Station[],
        checkpoints: readonly ReplayCheckpoint[],
      ) => {
        for (const s of stations) this.stmts.addStation.run(stationRow(s));
        for (const d of docs) {
          // Leftovers of a restore that failed half-way (the operation row is written last).
          this.stmts.deleteUpdates.run(d.doc);
          this.stmts.deleteSnapshot.run(d.doc);
          for (const u of d.updates) this.stmts.insertUpdate.run(d.doc, u.seq, u.update, u.sessionId, u.userId, u.time);
        }
        // Computed from exactly these logs (after the deletes above, whose trigger dropped the old ones).
        for (const c of checkpoints) this.stmts.insertCheckpoint.run(c.doc, c.seq, c.count, c.maxTime, c.state);
        this.stmts.deletePurged.run(op.id);
        this.stmts.insertOperation.run({
          ...op,
          stations: JSON.stringify(op.stations),
          closedAt: op.closedAt ?? null,
          restoredAt: op.restoredAt ?? null,
          keptBy: hold.keptBy,
          keptAt: hold.keptAt,
        });
      },
    );
  }

  async closeOperation(id: string, closedAt: number): Promise<boolean> {
    return this.stmts.close.run(closedAt, id).changes > 0;
  }

  async recordArchive(r: ArchiveRecord): Promise<void> {
    this.stmts.record.run({ ...r, counts: JSON.stringify(r.counts), instance: r.instance ?? null });
  }

  async listArchives(operationId: string): Promise<ArchiveRecord[]> {
    return (this.stmts.archives.all(operationId) as Row[]).map((r) => ({
      id: r.id as string,
      operationId: r.operation_id as string,
      file: r.file as string,
      bytes: r.bytes as number,
      sha256: r.sha256 as string,
      createdAt: r.created_at as number,
      createdBy: r.created_by as string,
      counts: JSON.parse(r.counts as string) as Record<string, number>,
      instance: (r.instance as string | null) ?? null,
    }));
  }

  async trackUnitsOfStation(stationId: string): Promise<string[]> {
    return (this.stmts.units.all({ station: stationId }) as { unit: string }[]).map((r) => r.unit);
  }

  async dropPurgedFixes(
    purge: PurgeUnderWay,
    stationId: string,
    unitId: string,
    keys: readonly FixKey[],
  ): Promise<PurgeBatch | null> {
    return this.purgeBatchTx(purge, stationId, unitId, keys);
  }

  /** The caller forgets its cached next sequence numbers of `docs`. */
  purge(operationId: string, docs: readonly string[], purgedAt: number, archiveId?: string): boolean {
    return this.purgeTx(operationId, docs, purgedAt, archiveId ?? null);
  }

  async purgesUnderWay(): Promise<PurgeUnderWay[]> {
    return (this.stmts.underWay.all() as Row[]).map((r) => ({
      operationId: r.id as string,
      archiveId: r.purging_archive as string,
    }));
  }

  async finishPurge(operationId: string, archiveId: string): Promise<void> {
    this.stmts.finishPurge.run(operationId, archiveId);
  }

  async restoreFixes(fixes: readonly PositionFix[]): Promise<UnitFixKey[]> {
    return fixes.length ? this.restoreFixesTx(fixes) : [];
  }

  async dropRestoredFixes(stationId: string, unitId: string, keys: readonly FixKey[]): Promise<number> {
    return keys.length ? this.dropKeysTx(stationId, unitId, keys) : 0;
  }

  async dropRestoredAlerts(operationId: string, ids: readonly string[]): Promise<void> {
    if (ids.length) this.dropAlertsTx(operationId, ids);
  }

  async restoreOperation(
    op: Operation,
    docs: readonly RestoredDoc[],
    hold: Hold,
    stations: readonly Station[],
    checkpoints: readonly ReplayCheckpoint[] = [],
  ): Promise<void> {
    this.restoreTx(op, docs, hold, stations, checkpoints);
  }
}
