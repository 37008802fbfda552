import type Database from 'better-sqlite3';
import type { FixKey, OperationHold, PositionFix, RestoreMark, RetentionStore } from './types.ts';
import { toFix, type Row } from './rows.ts';
import { markArgs, RESTORE_MARK_KEYS, restoreMarkKey, restoreMarkOf, restoreMarkValue } from './restore-marks.ts';

/**
 * The SQLite side of {@link RetentionStore}. Each method is one short statement or transaction
 * over at most a batch of rows: better-sqlite3 runs on the event loop, so a long delete would
 * stall ingest and relays as surely as a write lock.
 */
export class SqliteRetentionStore implements RetentionStore {
  private readonly stmts;
  private readonly thinTx: (stationId: string, unitId: string, remove: readonly FixKey[], until: number) => void;

  constructor(db: Database.Database) {
    this.stmts = {
      // A loose index scan over the track's key: one seek per station, however many fixes each has.
      stations: db.prepare(
        `WITH RECURSIVE s(station) AS (
           SELECT MIN(station_id) FROM positions_track
           UNION ALL
           SELECT (SELECT MIN(station_id) FROM positions_track WHERE station_id > s.station) FROM s
           WHERE s.station IS NOT NULL
         ) SELECT station FROM s WHERE station IS NOT NULL`,
      ),
      thinned: db.prepare('SELECT unit_id, thinned_until FROM track_thinned WHERE station_id = ?'),
      page: db.prepare(
        `SELECT * FROM positions_track WHERE station_id = ? AND unit_id = ? AND time >= ? AND time < ?
         ORDER BY time, device_id LIMIT ?`,
      ),
      before: db.prepare(
        `SELECT * FROM positions_track WHERE station_id = ? AND unit_id = ? AND time < ?
         ORDER BY time DESC, device_id DESC LIMIT 1`,
      ),
      remove: db.prepare(
        'DELETE FROM positions_track WHERE station_id = ? AND unit_id = ? AND time = ? AND device_id = ?',
      ),
      watermark: db.prepare(
        `INSERT INTO track_thinned (station_id, unit_id, thinned_until) VALUES (?, ?, ?)
         ON CONFLICT (station_id, unit_id) DO UPDATE SET thinned_until = MAX(thinned_until, excluded.thinned_until)`,
      ),
      drop: db.prepare(
        'DELETE FROM positions_track WHERE station_id = ? AND unit_id = ? AND time >= ? AND time < ? LIMIT ?',
      ),
      setHold: db.prepare('UPDATE operations SET kept_by = ?, kept_at = ? WHERE id = ?'),
      holds: db.prepare(
        'SELECT id, stations, created_at, closed_at, kept_by, kept_at FROM operations WHERE kept_by IS NOT NULL ORDER BY id',
      ),
      hold: db.prepare(
        'SELECT id, stations, created_at, closed_at, kept_by, kept_at FROM operations WHERE id = ? AND kept_by IS NOT NULL',
      ),
      // Only over no mark, a dead one or exactly the one replaced: two restores of one operation
      // marking at once, one wins (restore-marks.ts, `markArgs`).
      mark: db.prepare(
        `INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value
         WHERE json_extract(settings.value, '$.startedAt') <= @deadBefore OR settings.value = @replaces`,
      ),
      unmark: db.prepare('DELETE FROM settings WHERE key = ? AND value = ?'),
      marks: db.prepare('SELECT key, value FROM settings WHERE key >= ? AND key < ? ORDER BY key'),
    };
    this.thinTx = db.transaction((stationId: string, unitId: string, remove: readonly FixKey[], until: number) => {
      for (const k of remove) this.stmts.remove.run(stationId, unitId, k.time, k.deviceId);
      this.stmts.watermark.run(stationId, unitId, until);
    });
  }

  async trackStations(): Promise<string[]> {
    return (this.stmts.stations.all() as { station: string }[]).map((r) => r.station);
  }

  async thinnedUntilOfStation(stationId: string): Promise<Map<string, number>> {
    const rows = this.stmts.thinned.all(stationId) as { unit_id: string; thinned_until: number }[];
    return new Map(rows.map((r) => [r.unit_id, r.thinned_until]));
  }

  async trackPage(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]> {
    return (this.stmts.page.all(stationId, unitId, from, to, limit) as Row[]).map(toFix);
  }

  async lastFixBefore(stationId: string, unitId: string, before: number): Promise<PositionFix | null> {
    const r = this.stmts.before.get(stationId, unitId, before) as Row | undefined;
    return r ? toFix(r) : null;
  }

  async thinFixes(stationId: string, unitId: string, remove: readonly FixKey[], thinnedUntil: number): Promise<void> {
    this.thinTx(stationId, unitId, remove, thinnedUntil);
  }

  async dropFixesIn(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<number> {
    return this.stmts.drop.run(stationId, unitId, from, to, limit).changes;
  }

  async setOperationHold(operationId: string, keptBy: string | null, now: number): Promise<boolean> {
    return this.stmts.setHold.run(keptBy, keptBy === null ? null : now, operationId).changes > 0;
  }

  async operationHolds(): Promise<OperationHold[]> {
    return (this.stmts.holds.all() as Row[]).map(toHold);
  }

  async operationHold(operationId: string): Promise<OperationHold | null> {
    const r = this.stmts.hold.get(operationId) as Row | undefined;
    return r ? toHold(r) : null;
  }

  async markRestore(mark: RestoreMark, replaces: RestoreMark | null = null): Promise<boolean> {
    return this.stmts.mark.run(markArgs(mark, replaces)).changes === 1;
  }

  async unmarkRestore(mark: RestoreMark): Promise<void> {
    this.stmts.unmark.run(restoreMarkKey(mark.operationId), restoreMarkValue(mark));
  }

  async restoreMarks(): Promise<RestoreMark[]> {
    const rows = this.stmts.marks.all(RESTORE_MARK_KEYS.from, RESTORE_MARK_KEYS.to) as { key: string; value: string }[];
    return rows.map((r) => restoreMarkOf(r.key, r.value));
  }
}

const toHold = (r: Row): OperationHold => ({
  operationId: r.id as string,
  stations: JSON.parse(r.stations as string) as string[],
  from: r.created_at as number,
  to: (r.closed_at as number | null) ?? null,
  keptBy: r.kept_by as string,
  keptAt: r.kept_at as number,
});
