import type pg from 'pg';
import type { FixKey, OperationHold, PositionFix, RetentionStore, TrackUnit } from './types.ts';
import { pgQuery, withTx, type PgRow } from './pg-pool.ts';
import { toFix } from './rows.ts';

/**
 * The PostgreSQL side of {@link RetentionStore}: each call one short statement or transaction
 * over at most a batch of rows, as on SQLite (a long delete would hold row locks that ingest waits on).
 */
export class PgRetentionStore implements RetentionStore {
  constructor(private readonly pool: pg.Pool) {}

  async trackUnits(): Promise<TrackUnit[]> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT l.station_id, l.unit_id, COALESCE(t.thinned_until, 0) AS thinned_until
       FROM positions_latest l LEFT JOIN track_thinned t ON t.station_id = l.station_id AND t.unit_id = l.unit_id
       ORDER BY l.station_id, l.unit_id`,
    );
    return rows.map((r) => ({
      stationId: r.station_id as string,
      unitId: r.unit_id as string,
      thinnedUntil: r.thinned_until as number,
    }));
  }

  async trackPage(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT * FROM positions_track WHERE station_id = $1 AND unit_id = $2 AND time >= $3 AND time < $4
       ORDER BY time, device_id LIMIT $5`,
      [stationId, unitId, from, to, limit],
    );
    return rows.map(toFix);
  }

  async lastFixBefore(stationId: string, unitId: string, before: number): Promise<PositionFix | null> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT * FROM positions_track WHERE station_id = $1 AND unit_id = $2 AND time < $3
       ORDER BY time DESC, device_id DESC LIMIT 1`,
      [stationId, unitId, before],
    );
    return rows[0] ? toFix(rows[0]) : null;
  }

  async thinFixes(stationId: string, unitId: string, remove: readonly FixKey[], thinnedUntil: number): Promise<void> {
    await withTx(this.pool, async (client) => {
      if (remove.length)
        await pgQuery(
          client,
          `DELETE FROM positions_track t USING unnest($3::bigint[], $4::text[]) AS k(time, device_id)
           WHERE t.station_id = $1 AND t.unit_id = $2 AND t.time = k.time AND t.device_id = k.device_id`,
          [stationId, unitId, remove.map((k) => k.time), remove.map((k) => k.deviceId)],
        );
      await pgQuery(
        client,
        `INSERT INTO track_thinned (station_id, unit_id, thinned_until) VALUES ($1, $2, $3)
         ON CONFLICT (station_id, unit_id) DO UPDATE SET thinned_until = GREATEST(track_thinned.thinned_until, EXCLUDED.thinned_until)`,
        [stationId, unitId, thinnedUntil],
      );
    });
  }

  async dropFixesBefore(stationId: string, unitId: string, before: number, limit: number): Promise<number> {
    return dropFixes(this.pool, stationId, unitId, Number.MIN_SAFE_INTEGER, before, limit);
  }

  async setOperationHold(operationId: string, keptBy: string | null, now: number): Promise<boolean> {
    const { rowCount } = await pgQuery(this.pool, 'UPDATE operations SET kept_by = $1, kept_at = $2 WHERE id = $3', [
      keptBy,
      keptBy === null ? null : now,
      operationId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async operationHolds(): Promise<OperationHold[]> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT id, stations, created_at, kept_by, kept_at FROM operations WHERE kept_by IS NOT NULL ORDER BY id',
    );
    return rows.map(toHold);
  }

  async operationHold(operationId: string): Promise<OperationHold | null> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT id, stations, created_at, kept_by, kept_at FROM operations WHERE id = $1 AND kept_by IS NOT NULL',
      [operationId],
    );
    return rows[0] ? toHold(rows[0]) : null;
  }
}

/** Delete at most `limit` fixes of a unit with `from <= time < to`, oldest first; how many went. */
export async function dropFixes(
  pool: pg.Pool,
  stationId: string,
  unitId: string,
  from: number,
  to: number,
  limit: number,
  receivedBy = Number.MAX_SAFE_INTEGER,
): Promise<number> {
  const { rowCount } = await pgQuery(
    pool,
    `DELETE FROM positions_track t USING (
       SELECT time, device_id FROM positions_track
       WHERE station_id = $1 AND unit_id = $2 AND time >= $3 AND time < $4 AND received_at <= $6
       ORDER BY time, device_id LIMIT $5
     ) d
     WHERE t.station_id = $1 AND t.unit_id = $2 AND t.time = d.time AND t.device_id = d.device_id`,
    [stationId, unitId, from, to, limit, receivedBy],
  );
  return rowCount ?? 0;
}

const toHold = (r: PgRow): OperationHold => ({
  operationId: r.id as string,
  stations: r.stations as string[],
  from: r.created_at as number,
  keptBy: r.kept_by as string,
  keptAt: r.kept_at as number,
});
