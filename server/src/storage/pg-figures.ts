import type pg from 'pg';
import { pgQuery } from './pg-pool.ts';
import type { StorageFigures, StoreFigure } from './sqlite-figures.ts';

/** Tables whose rows are counted (the figures per fix and per update), as on SQLite. */
const COUNTED = ['positions_track', 'doc_updates'];

/**
 * Store sizes of the PostgreSQL schema: `pg_total_relation_size` per table (heap, indexes and
 * TOAST). Rows of the counted tables are the planner's estimate (`reltuples`, kept by autovacuum)
 * rather than `COUNT(*)`, which would read the whole track on every run; before the first analyze
 * the estimate is unknown and they are counted. The work is the database server's, never the
 * event loop's. `fileBytes` is the schema's total; there is no separate WAL figure (`walBytes` 0).
 */
export async function measurePostgres(pool: pg.Pool, now: number): Promise<StorageFigures> {
  const { rows } = await pgQuery(
    pool,
    `SELECT c.relname AS store, pg_total_relation_size(c.oid)::bigint AS bytes, c.reltuples::bigint AS estimate
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r'
     ORDER BY c.relname`,
  );
  const stores: StoreFigure[] = [];
  for (const r of rows) {
    const store = r.store as string;
    let count: number | null = null;
    if (COUNTED.includes(store)) {
      const estimate = r.estimate as number;
      count =
        estimate >= 0
          ? estimate
          : ((await pgQuery(pool, `SELECT COUNT(*)::bigint AS n FROM ${store}`)).rows[0]!.n as number);
    }
    stores.push({ store, bytes: r.bytes as number, rows: count });
  }
  const perRow = (name: string) => {
    const s = stores.find((x) => x.store === name);
    return s && s.rows ? s.bytes / s.rows : null;
  };
  return {
    measuredAt: now,
    fileBytes: stores.reduce((sum, s) => sum + s.bytes, 0),
    walBytes: 0,
    stores,
    bytesPerFix: perRow('positions_track'),
    bytesPerUpdate: perRow('doc_updates'),
  };
}
