import type { PgStorage } from '../storage/pg-storage.ts';
import type { Storage } from '../storage/types.ts';

/**
 * The stored value of setting `key`, storing `make()` first if there is none. On PostgreSQL
 * several instances may start at once: the first insert wins and every instance reads the value
 * that won (a get-then-set would let a later instance overwrite the value an earlier one already
 * uses, e.g. the token secret, so that its tokens fail everywhere else). Embedded SQLite has one
 * process, where get-then-set is enough.
 */
export async function claimSetting(storage: Storage, key: string, make: () => string): Promise<string> {
  if (storage.kind === 'postgres') {
    // Loaded only on PostgreSQL, so that an embedded server never loads the pg driver.
    const { pgQuery } = await import('../storage/pg-pool.ts');
    const { pool } = storage as PgStorage;
    await pgQuery(pool, 'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      make(),
    ]);
    const { rows } = await pgQuery(pool, 'SELECT value FROM settings WHERE key = $1', [key]);
    return rows[0]!.value as string;
  }
  const existing = await storage.getSetting(key);
  if (existing) return existing;
  const value = make();
  await storage.setSetting(key, value);
  return value;
}
