import type pg from 'pg';
import type { PositionFix, PositionStore } from './types.ts';
import { pgQuery, withTx } from './pg-pool.ts';
import { FIX_COLUMNS, fixColumns, UNNEST_FIXES } from './pg-rows.ts';
import { toFix } from './rows.ts';
import { newerFixSql } from '../live/newest-sql.ts';

/**
 * Track insert of a batch; a fix already stored (same unit, time and device) is kept once. Rows go
 * in key order, as the latest upsert's do, so two instances writing overlapping batches take row
 * locks in the same order and never deadlock.
 */
export const INSERT_TRACK = `INSERT INTO positions_track (${FIX_COLUMNS})
  SELECT ${FIX_COLUMNS} FROM (${UNNEST_FIXES}) AS b
  ORDER BY station_id, unit_id, time, device_id COLLATE "C", ord
  ON CONFLICT (station_id, unit_id, time, device_id) DO NOTHING`;

/**
 * Latest position per unit with the newest-fix rule of `compareFixes` (shared/src/live/newest.ts):
 * later time, then greater device id (byte order: the columns are COLLATE "C"). A batch may carry
 * several fixes of one unit; an upsert may touch a row once per statement, so the batch's newest
 * per unit is picked first by the same rule.
 */
const UPSERT_LATEST = `INSERT INTO positions_latest (${FIX_COLUMNS})
  SELECT DISTINCT ON (station_id, unit_id) ${FIX_COLUMNS} FROM (${UNNEST_FIXES}) AS b
  ORDER BY station_id, unit_id, time DESC, device_id COLLATE "C" DESC, ord
  ON CONFLICT (station_id, unit_id) DO UPDATE SET device_id = EXCLUDED.device_id, time = EXCLUDED.time,
    lng = EXCLUDED.lng, lat = EXCLUDED.lat, speed = EXCLUDED.speed, bearing = EXCLUDED.bearing,
    altitude = EXCLUDED.altitude, accuracy = EXCLUDED.accuracy, battery = EXCLUDED.battery,
    alarm = EXCLUDED.alarm, received_at = EXCLUDED.received_at
  WHERE ${newerFixSql('EXCLUDED', 'positions_latest')}`;

/** The PostgreSQL side of {@link PositionStore}. */
export class PgPositionStore implements PositionStore {
  constructor(private readonly pool: pg.Pool) {}

  async appendPositions(fixes: readonly PositionFix[]): Promise<void> {
    if (!fixes.length) return;
    const columns = fixColumns(fixes);
    await withTx(this.pool, async (client) => {
      await pgQuery(client, INSERT_TRACK, columns);
      await pgQuery(client, UPSERT_LATEST, columns);
    });
  }

  async latestPositions(): Promise<PositionFix[]> {
    return (await pgQuery(this.pool, 'SELECT * FROM positions_latest')).rows.map(toFix);
  }

  async latestPosition(stationId: string, unitId: string): Promise<PositionFix | null> {
    const { rows } = await pgQuery(this.pool, 'SELECT * FROM positions_latest WHERE station_id = $1 AND unit_id = $2', [
      stationId,
      unitId,
    ]);
    return rows[0] ? toFix(rows[0]) : null;
  }

  async track(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT * FROM positions_track WHERE station_id = $1 AND unit_id = $2 AND time >= $3 AND time <= $4
       ORDER BY time, device_id LIMIT $5`,
      [stationId, unitId, from, to, limit],
    );
    return rows.map(toFix);
  }
}
