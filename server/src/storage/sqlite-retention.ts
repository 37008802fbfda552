import type Database from 'better-sqlite3';
import type { FixKey, OperationHold, PositionFix, RetentionStore, TrackUnit } from './types.ts';
import { toFix, type Row } from './rows.ts';

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
      units: db.prepare(
        `SELECT l.station_id, l.unit_id, COALESCE(t.thinned_until, 0) AS thinned_until
         FROM positions_latest l LEFT JOIN track_thinned t ON t.station_id = l.station_id AND t.unit_id = l.unit_id
         ORDER BY l.station_id, l.unit_id`,
      ),
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
      drop: db.prepare('DELETE FROM positions_track WHERE station_id = ? AND unit_id = ? AND time < ? LIMIT ?'),
      setHold: db.prepare('UPDATE operations SET kept_by = ?, kept_at = ? WHERE id = ?'),
      holds: db.prepare(
        'SELECT id, stations, created_at, kept_by, kept_at FROM operations WHERE kept_by IS NOT NULL ORDER BY id',
      ),
      hold: db.prepare(
        'SELECT id, stations, created_at, kept_by, kept_at FROM operations WHERE id = ? AND kept_by IS NOT NULL',
      ),
    };
    this.thinTx = db.transaction((stationId: string, unitId: string, remove: readonly FixKey[], until: number) => {
      for (const k of remove) this.stmts.remove.run(stationId, unitId, k.time, k.deviceId);
      this.stmts.watermark.run(stationId, unitId, until);
    });
  }

  async trackUnits(): Promise<TrackUnit[]> {
    return (this.stmts.units.all() as Row[]).map((r) => ({
      stationId: r.station_id as string,
      unitId: r.unit_id as string,
      thinnedUntil: r.thinned_until as number,
    }));
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

  async dropFixesBefore(stationId: string, unitId: string, before: number, limit: number): Promise<number> {
    return this.stmts.drop.run(stationId, unitId, before, limit).changes;
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
}

const toHold = (r: Row): OperationHold => ({
  operationId: r.id as string,
  stations: JSON.parse(r.stations as string) as string[],
  from: r.created_at as number,
  keptBy: r.kept_by as string,
  keptAt: r.kept_at as number,
});
