import type { PgStorage } from '../storage/pg-storage.ts';
import type { Storage } from '../storage/types.ts';
import { yieldingIdOf } from '../rooms/yielding-write.ts';

const COUNTER = 'yielding_client_ids';

/**
 * `count` client ids for yielding writes (`writeYielding`) that no other instance on this
 * storage is handed at the same time: on PostgreSQL, from one counter shared by every instance
 * (incremented in one statement, so two instances never get the same values); the embedded store
 * has one process, which needs none (empty: `writeYielding` draws a fresh one).
 */
export async function takeYieldingIds(storage: Storage, count: number): Promise<number[]> {
  if (storage.kind !== 'postgres' || count <= 0) return [];
  const { pgQuery } = await import('../storage/pg-pool.ts');
  const { pool } = storage as PgStorage;
  const { rows } = await pgQuery(
    pool,
    `INSERT INTO settings (key, value) VALUES ($1, $2::bigint::text)
     ON CONFLICT (key) DO UPDATE SET value = (settings.value::bigint + $2::bigint)::text
     RETURNING value`,
    [COUNTER, count],
  );
  const last = Number(rows[0]!.value);
  return Array.from({ length: count }, (_, i) => yieldingIdOf(last - count + 1 + i));
}
