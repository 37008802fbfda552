import type Database from 'better-sqlite3';
import type { PositionFix } from './types.ts';
import { newerFixSql } from '../live/newest-sql.ts';
import { toFix, type Row } from './rows.ts';

/** Positions in SQLite: the track (every fix) and the newest fix per unit, written together. */
export class SqlitePositionStore {
  private readonly stmts;
  private readonly appendTx: (fixes: readonly PositionFix[]) => void;

  constructor(db: Database.Database) {
    this.stmts = {
      appendTrack: db.prepare(
        `INSERT OR IGNORE INTO positions_track (unit_id, time, device_id, station_id, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at)
       VALUES (@unitId, @time, @deviceId, @stationId, @lng, @lat, @speed, @bearing, @altitude, @accuracy, @battery, @alarm, @receivedAt)`,
      ),
      // The newest-fix rule of compareFixes (shared/src/live/newest.ts), spelled once in newest-sql.ts.
      upsertLatest: db.prepare(
        `INSERT INTO positions_latest (unit_id, station_id, device_id, time, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at)
       VALUES (@unitId, @stationId, @deviceId, @time, @lng, @lat, @speed, @bearing, @altitude, @accuracy, @battery, @alarm, @receivedAt)
       ON CONFLICT (station_id, unit_id) DO UPDATE SET device_id = excluded.device_id, time = excluded.time,
         lng = excluded.lng, lat = excluded.lat, speed = excluded.speed, bearing = excluded.bearing, altitude = excluded.altitude,
         accuracy = excluded.accuracy, battery = excluded.battery, alarm = excluded.alarm, received_at = excluded.received_at
       WHERE ${newerFixSql('excluded', 'positions_latest')}`,
      ),
      latestAll: db.prepare('SELECT * FROM positions_latest'),
      latestOne: db.prepare('SELECT * FROM positions_latest WHERE station_id = ? AND unit_id = ?'),
      track: db.prepare(
        `SELECT * FROM positions_track WHERE station_id = ? AND unit_id = ? AND time >= ? AND time <= ?
       ORDER BY time, device_id LIMIT ?`,
      ),
    };
    this.appendTx = db.transaction((fixes: readonly PositionFix[]) => {
      for (const f of fixes) {
        this.stmts.appendTrack.run(f);
        this.stmts.upsertLatest.run(f);
      }
    });
  }

  /** Appends fixes to the track and keeps each unit's newest (one transaction). */
  append(fixes: readonly PositionFix[]): void {
    if (fixes.length) this.appendTx(fixes);
  }

  async latestPositions(): Promise<PositionFix[]> {
    return (this.stmts.latestAll.all() as Row[]).map(toFix);
  }

  async latestPosition(stationId: string, unitId: string): Promise<PositionFix | null> {
    const row = this.stmts.latestOne.get(stationId, unitId) as Row | undefined;
    return row ? toFix(row) : null;
  }

  async track(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]> {
    return (this.stmts.track.all(stationId, unitId, from, to, limit) as Row[]).map(toFix);
  }
}
