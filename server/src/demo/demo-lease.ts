import type pg from 'pg';
import type { AppContext } from '../services/context.ts';
import type { PgStorage } from '../storage/pg-storage.ts';

/** The PostgreSQL pool of a shared store; null on embedded SQLite (one process per DATA_DIR). */
export function sharedPool(ctx: Pick<AppContext, 'storage'>): pg.Pool | null {
  return ctx.storage.kind === 'postgres' ? (ctx.storage as PgStorage).pool : null;
}
