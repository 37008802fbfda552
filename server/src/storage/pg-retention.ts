import type pg from 'pg';
import { pgLease } from './pg-lease.ts';
import type { FixKey, OperationHold, PositionFix, RestoreMark, RetentionStore } from './types.ts';
import { mapPgError, pgQuery, withTx, type PgRow, type Queryable } from './pg-pool.ts';
import { toFix } from './rows.ts';
import { markArgs, RESTORE_MARK_KEYS, restoreMarkKey, restoreMarkOf, restoreMarkValue } from './restore-marks.ts';

/**
 * The PostgreSQL side of {@link RetentionStore}: each call one short statement or transaction
 * over at most a batch of rows, as on SQLite (a long delete would hold row locks that ingest waits on).
 */
export class PgRetentionStore implements RetentionStore {
  constructor(private readonly pool: pg.Pool) {}

  async trackStations(): Promise<string[]> {
    // A loose index scan over the track's key: one seek per station, however many fixes each has.
    const { rows } = await pgQuery(
      this.pool,
      `WITH RECURSIVE s(station) AS (
         SELECT MIN(station_id) FROM positions_track
         UNION ALL
         SELECT (SELECT MIN(station_id) FROM positions_track WHERE station_id > s.station) FROM s
         WHERE s.station IS NOT NULL
       ) SELECT station FROM s WHERE station IS NOT NULL`,
    );
    return rows.map((r) => r.station as string);
  }

  async thinnedUntilOfStation(stationId: string): Promise<Map<string, number>> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT unit_id, thinned_until FROM track_thinned WHERE station_id = $1',
      [stationId],
    );
    return new Map(rows.map((r) => [r.unit_id as string, r.thinned_until as number]));
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

  async dropFixesIn(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<number> {
    return (await dropFixes(this.pool, stationId, unitId, from, to, limit)).deleted;
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
      'SELECT id, stations, created_at, closed_at, kept_by, kept_at FROM operations WHERE kept_by IS NOT NULL ORDER BY id',
    );
    return rows.map(toHold);
  }

  async operationHold(operationId: string): Promise<OperationHold | null> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT id, stations, created_at, closed_at, kept_by, kept_at FROM operations WHERE id = $1 AND kept_by IS NOT NULL',
      [operationId],
    );
    return rows[0] ? toHold(rows[0]) : null;
  }

  async markRestore(mark: RestoreMark, replaces: RestoreMark | null = null): Promise<boolean> {
    // Only over no mark, a dead one or exactly the one replaced (restore-marks.ts, `markArgs`). Of
    // two inserts at once the second waits for the first's row and checks the condition on it.
    const a = markArgs(mark, replaces);
    const { rowCount } = await pgQuery(
      this.pool,
      `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
       WHERE (settings.value::jsonb ->> 'startedAt')::numeric <= $3 OR settings.value = $4
       RETURNING 1`,
      [a.key, a.value, a.deadBefore, a.replaces],
    );
    return rowCount === 1;
  }

  async unmarkRestore(mark: RestoreMark): Promise<void> {
    await pgQuery(this.pool, 'DELETE FROM settings WHERE key = $1 AND value = $2', [
      restoreMarkKey(mark.operationId),
      restoreMarkValue(mark),
    ]);
  }

  async restoreMarks(): Promise<RestoreMark[]> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT key, value FROM settings WHERE key >= $1 AND key < $2 ORDER BY key',
      [RESTORE_MARK_KEYS.from, RESTORE_MARK_KEYS.to],
    );
    return rows.map((r) => restoreMarkOf(r.key as string, r.value as string));
  }
}

/** A store-wide lock held for one retention run (the job's `RunLease`). */
export interface PgRetentionLease {
  /** Its connection closed under it: PostgreSQL let the lock go, another instance may run now. */
  readonly lost: boolean;
  /** Hand the lock and its connection back; never throws. */
  release(): Promise<void>;
}

/**
 * The retention job's lock on PostgreSQL, where several instances share the store: one retention
 * run at a time across them (`jointmap:retention`, see `pgLease`). A run is many short
 * transactions, so a transaction-level lock cannot span it: a session lock is held on a connection
 * of the pool checked out for the whole run (one of its ten). Null, at once, when another session
 * holds it.
 */
export function pgRetentionLock(pool: pg.Pool): () => Promise<PgRetentionLease | null> {
  return async () => {
    try {
      return await pgLease(pool, 'retention', false);
    } catch (err) {
      throw mapPgError(err);
    }
  };
}

/**
 * Delete at most `limit` fixes of a unit with `from <= time < to` and `received_at <= receivedBy`,
 * oldest first. `found` counts the rows picked, `deleted` those this statement deleted: fewer when
 * another statement deleted some of them first (this one waited for it), so `found < limit` means
 * none are left however many of them went here.
 */
export async function dropFixes(
  db: Queryable,
  stationId: string,
  unitId: string,
  from: number,
  to: number,
  limit: number,
  receivedBy = Number.MAX_SAFE_INTEGER,
): Promise<{ found: number; deleted: number }> {
  const { rows } = await pgQuery(
    db,
    // Rows named by `ctid`, collected once: joined back on (time, device_id) instead, a planner
    // without statistics (a fresh table, a restore just written) runs the subquery once per row of
    // the unit, seconds per batch.
    `WITH picked AS MATERIALIZED (
       SELECT ctid FROM positions_track
       WHERE station_id = $1 AND unit_id = $2 AND time >= $3 AND time < $4 AND received_at <= $6
       ORDER BY time, device_id LIMIT $5
     ), gone AS (
       DELETE FROM positions_track WHERE ctid = ANY(ARRAY(SELECT ctid FROM picked)) RETURNING 1
     ) SELECT (SELECT count(*) FROM picked)::int AS found, (SELECT count(*) FROM gone)::int AS deleted`,
    [stationId, unitId, from, to, limit, receivedBy],
  );
  return { found: rows[0]!.found as number, deleted: rows[0]!.deleted as number };
}

const toHold = (r: PgRow): OperationHold => ({
  operationId: r.id as string,
  stations: r.stations as string[],
  from: r.created_at as number,
  to: (r.closed_at as number | null) ?? null,
  keptBy: r.kept_by as string,
  keptAt: r.kept_at as number,
});
