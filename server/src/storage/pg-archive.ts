import type pg from 'pg';
import { AppError } from '@jointmap/shared';
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
import { pgQuery, withTx, type Queryable } from './pg-pool.ts';
import { fixColumns } from './pg-rows.ts';
import { INSERT_TRACK } from './pg-positions.ts';
import { deadBefore, restoreMarkKey } from './restore-marks.ts';
import { isKept, keeperQueryArgs, keptSpans, splitKept, type KeptSpan } from './purge-kept-spans.ts';
import type { PurgeBatch } from './retention-types.ts';

/** Times a purge batch starts again after a restore of another operation marked its window meanwhile. */
const PURGE_BATCH_TRIES = 5;

/** A batch deleted a fix that a restore marked meanwhile keeps: it is rolled back and run again. */
class KeptMeanwhile extends Error {}

/** The PostgreSQL side of {@link ArchiveStore} (mirrors sqlite-archive.ts). */
export class PgArchiveStore implements ArchiveStore {
  constructor(private readonly pool: pg.Pool) {}

  async closeOperation(id: string, closedAt: number): Promise<boolean> {
    const { rowCount } = await pgQuery(
      this.pool,
      "UPDATE operations SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'active'",
      [closedAt, id],
    );
    return (rowCount ?? 0) > 0;
  }

  async recordArchive(r: ArchiveRecord): Promise<void> {
    await pgQuery(
      this.pool,
      `INSERT INTO operation_archives (id, operation_id, file, bytes, sha256, created_at, created_by, counts, instance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        r.id,
        r.operationId,
        r.file,
        r.bytes,
        r.sha256,
        r.createdAt,
        r.createdBy,
        JSON.stringify(r.counts),
        r.instance ?? null,
      ],
    );
  }

  async listArchives(operationId: string): Promise<ArchiveRecord[]> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT * FROM operation_archives WHERE operation_id = $1 ORDER BY created_at DESC, id',
      [operationId],
    );
    return rows.map((r) => ({
      id: r.id as string,
      operationId: r.operation_id as string,
      file: r.file as string,
      bytes: r.bytes as number,
      sha256: r.sha256 as string,
      createdAt: r.created_at as number,
      createdBy: r.created_by as string,
      counts: r.counts as Record<string, number>,
      instance: (r.instance as string | null) ?? null,
    }));
  }

  async trackUnitsOfStation(stationId: string): Promise<string[]> {
    // A loose index scan over the track's key: one seek per unit, however many fixes each has.
    const { rows } = await pgQuery(
      this.pool,
      `WITH RECURSIVE u(unit) AS (
         SELECT MIN(unit_id) FROM positions_track WHERE station_id = $1
         UNION ALL
         SELECT (SELECT MIN(unit_id) FROM positions_track WHERE station_id = $1 AND unit_id > u.unit) FROM u
         WHERE u.unit IS NOT NULL
       ) SELECT unit FROM u WHERE unit IS NOT NULL`,
      [stationId],
    );
    return rows.map((r) => r.unit as string);
  }

  /**
   * The check, the delete and a second look at what other operations keep, in one transaction
   * (READ COMMITTED: each statement sees what was committed when it began). A restore of another
   * operation sharing the station commits its mark before it writes its first fix and removes it
   * only after its operation is stored (not purged, so kept by its window). A restore whose mark
   * the first look missed may still find a fix stored, count it as restored and then see this
   * delete remove it; its mark was then committed before that delete began, so the second look,
   * after the delete, sees it, and the batch is rolled back and run again (now leaving those fixes).
   * A restore marked after the second look writes after this batch's deletes: its inserts wait for
   * this transaction and store the fixes again. Each look is one statement, so it sees a restore's
   * mark or its operation, never neither.
   */
  async dropPurgedFixes(
    purge: PurgeUnderWay,
    stationId: string,
    unitId: string,
    keys: readonly FixKey[],
  ): Promise<PurgeBatch | null> {
    for (let tries = 1; ; tries++) {
      try {
        return await withTx(this.pool, async (client) => {
          // FOR SHARE: a hold or a restore (each updates this row) waits for this batch to commit; a
          // batch that waited for one of them reads the row again and sees the hold. A restore of the
          // operation stops it while its mark is live (`isLiveMark`).
          const { rows } = await pgQuery(
            client,
            `SELECT 1 FROM operations WHERE id = $1 AND purging_archive = $2 AND kept_by IS NULL
             AND NOT EXISTS (SELECT 1 FROM settings WHERE key = $3 AND (value::jsonb ->> 'startedAt')::numeric > $4)
             FOR SHARE`,
            [purge.operationId, purge.archiveId, restoreMarkKey(purge.operationId), deadBefore(Date.now())],
          );
          if (!rows.length) return null;
          const { drop, ...left } = splitKept(keys, await keptByOthers(client, purge.operationId, stationId, keys));
          const times = await dropKeys(client, stationId, unitId, drop);
          if (times.length) {
            const keptNow = await keptByOthers(client, purge.operationId, stationId, keys);
            if (times.some((t) => isKept(t, keptNow))) throw new KeptMeanwhile();
          }
          return { dropped: times.length, ...left };
        });
      } catch (err) {
        if (!(err instanceof KeptMeanwhile)) throw err;
        if (tries >= PURGE_BATCH_TRIES)
          throw new AppError(
            'CONFLICT',
            `restores of operations sharing station ${stationId} keep starting: the purge of ${purge.operationId} ` +
              'stopped; ask for it again',
          );
      }
    }
  }

  async purgeOperationDocs(
    operationId: string,
    docs: readonly string[],
    purgedAt: number,
    archiveId?: string,
  ): Promise<boolean> {
    return withTx(this.pool, async (client) => {
      // The row first: a hold set meanwhile waits for this, or this sees it and deletes nothing.
      const { rows } = await pgQuery(client, 'SELECT kept_by FROM operations WHERE id = $1 FOR UPDATE', [operationId]);
      if (rows[0]?.kept_by != null) return false;
      await pgQuery(
        client,
        'UPDATE operations SET purged_at = COALESCE(purged_at, $1), purging_archive = $2 WHERE id = $3',
        [purgedAt, archiveId ?? null, operationId],
      );
      await deleteDocs(client, docs);
      return true;
    });
  }

  async purgesUnderWay(): Promise<PurgeUnderWay[]> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT id, purging_archive FROM operations WHERE purging_archive IS NOT NULL ORDER BY purged_at, id',
    );
    return rows.map((r) => ({ operationId: r.id as string, archiveId: r.purging_archive as string }));
  }

  async finishPurge(operationId: string, archiveId: string): Promise<void> {
    await pgQuery(this.pool, 'UPDATE operations SET purging_archive = NULL WHERE id = $1 AND purging_archive = $2', [
      operationId,
      archiveId,
    ]);
  }

  async restoreFixes(fixes: readonly PositionFix[]): Promise<UnitFixKey[]> {
    if (!fixes.length) return [];
    const { rows } = await pgQuery(
      this.pool,
      `${INSERT_TRACK} RETURNING station_id, unit_id, time, device_id`,
      fixColumns(fixes),
    );
    return rows.map((r) => ({
      stationId: r.station_id as string,
      unitId: r.unit_id as string,
      time: Number(r.time),
      deviceId: r.device_id as string,
    }));
  }

  async dropRestoredFixes(stationId: string, unitId: string, keys: readonly FixKey[]): Promise<number> {
    return keys.length ? (await dropKeys(this.pool, stationId, unitId, keys)).length : 0;
  }

  async dropRestoredAlerts(operationId: string, ids: readonly string[]): Promise<void> {
    if (ids.length)
      await pgQuery(this.pool, 'DELETE FROM alerts WHERE operation_id = $1 AND id = ANY($2::text[])', [
        operationId,
        [...ids],
      ]);
  }

  async restoreOperation(
    op: Operation,
    docs: readonly RestoredDoc[],
    hold: { keptBy: string; keptAt: number },
    stations: readonly Station[],
    checkpoints: readonly ReplayCheckpoint[] = [],
  ): Promise<void> {
    await withTx(this.pool, async (client) => {
      for (const s of stations)
        await pgQuery(
          client,
          `INSERT INTO stations (id, name, short_name, adcode, color, jurisdiction) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO NOTHING`,
          [s.id, s.name, s.shortName, s.adcode, s.color, s.jurisdiction ? JSON.stringify(s.jurisdiction) : null],
        );
      await pgQuery(client, 'DELETE FROM operations WHERE id = $1 AND purged_at IS NOT NULL', [op.id]);
      // Leftovers of a restore that failed half-way (the operation row is written last).
      await deleteDocs(
        client,
        docs.map((d) => d.doc),
      );
      for (const d of docs) {
        if (!d.updates.length) continue;
        await pgQuery(
          client,
          `INSERT INTO doc_updates (doc, seq, update_bytes, session_id, user_id, created_at)
           SELECT $1::text, * FROM unnest($2::bigint[], $3::bytea[], $4::text[], $5::text[], $6::bigint[])`,
          [
            d.doc,
            d.updates.map((u) => u.seq),
            d.updates.map((u) => Buffer.from(u.update)),
            d.updates.map((u) => u.sessionId),
            d.updates.map((u) => u.userId),
            d.updates.map((u) => u.time),
          ],
        );
        // Appends after a restore continue after its last update.
        await pgQuery(client, 'INSERT INTO doc_heads (doc, last_seq) VALUES ($1, $2)', [
          d.doc,
          d.updates[d.updates.length - 1]!.seq,
        ]);
      }
      // Computed from exactly these logs (after the deletes above, whose trigger dropped the old ones).
      for (const c of checkpoints)
        await pgQuery(
          client,
          `INSERT INTO replay_checkpoints (doc, seq, count, max_time, state) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (doc, seq) DO NOTHING`,
          [c.doc, c.seq, c.count, c.maxTime, Buffer.from(c.state)],
        );
      await pgQuery(
        client,
        `INSERT INTO operations (id, name, kind, status, stations, created_by, created_at, closed_at, restored_at, kept_by, kept_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          op.id,
          op.name,
          op.kind,
          op.status,
          JSON.stringify(op.stations),
          op.createdBy,
          op.createdAt,
          op.closedAt ?? null,
          op.restoredAt ?? null,
          hold.keptBy,
          hold.keptAt,
        ],
      );
    });
  }
}

/** Delete these fixes of a unit; the times of those that went. */
async function dropKeys(db: Queryable, stationId: string, unitId: string, keys: readonly FixKey[]): Promise<number[]> {
  if (!keys.length) return [];
  const { rows } = await pgQuery(
    db,
    `DELETE FROM positions_track t USING unnest($3::bigint[], $4::text[]) AS k(time, device_id)
     WHERE t.station_id = $1 AND t.unit_id = $2 AND t.time = k.time AND t.device_id = k.device_id
     RETURNING t.time`,
    [stationId, unitId, keys.map((k) => k.time), keys.map((k) => k.deviceId)],
  );
  return rows.map((r) => Number(r.time));
}

/**
 * What other operations keep of the station's track around `keys` (purge-kept-spans.ts), in one
 * statement: the operations not purged and the restore marks, as of one moment.
 */
async function keptByOthers(
  db: Queryable,
  operationId: string,
  stationId: string,
  keys: readonly FixKey[],
): Promise<KeptSpan[]> {
  const a = keeperQueryArgs(operationId, keys);
  const { rows } = await pgQuery(
    db,
    `SELECT 'operation' AS kind, stations::text AS stations, created_at, closed_at, NULL AS key, NULL AS value
     FROM operations
     WHERE id <> $1 AND purged_at IS NULL AND created_at <= $3 AND (closed_at IS NULL OR closed_at >= $2)
     UNION ALL
     SELECT 'mark', NULL, NULL, NULL, key, value FROM settings WHERE key >= $4 AND key < $5 AND key <> $6`,
    [a.operationId, a.from, a.to, a.marksFrom, a.marksTo, a.ownMark],
  );
  const operations = rows.filter((r) => r.kind === 'operation');
  const marks = rows.filter((r) => r.kind === 'mark');
  return keptSpans(
    stationId,
    operations.map((r) => ({
      stations: r.stations as string,
      created_at: r.created_at as number,
      closed_at: r.closed_at as number | null,
    })),
    marks.map((r) => ({ key: r.key as string, value: r.value as string })),
    Date.now(),
  );
}

/** Delete documents' update logs, snapshots and heads (their next append starts at seq 1). */
async function deleteDocs(db: Queryable, docs: readonly string[]): Promise<void> {
  if (!docs.length) return;
  const list = [[...docs]];
  // Heads first: a snapshot being written holds its head row (pg-docs.ts, saveSnapshot), so this
  // waits for it and the delete below sees its row.
  await pgQuery(db, 'DELETE FROM doc_heads WHERE doc = ANY($1::text[])', list);
  await pgQuery(db, 'DELETE FROM doc_updates WHERE doc = ANY($1::text[])', list);
  await pgQuery(db, 'DELETE FROM doc_snapshots WHERE doc = ANY($1::text[])', list);
}
