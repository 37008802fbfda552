import { expect, test } from 'vitest';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { migratePg, PG_MIGRATIONS } from '@jointmap/server/storage/pg-schema';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { createTestSchema, query } from '../helpers/pg-schema.ts';
import { account } from './storage-backends.ts';

/** The PostgreSQL side of server/src/storage/sqlite-accounts-file.test.ts: a schema from before the marks. */
test("an upgraded PostgreSQL schema: a new password hash ends sessions; accounts from before are not the file's", async (t) => {
  const schema = await createTestSchema(t);
  // The step that added the marks (later ones follow it).
  const step = PG_MIGRATIONS.findIndex((m) => m.includes('from_accounts_file'));
  expect(step).toBeGreaterThan(0);
  const pool = createPgPool(schema.url, () => {});
  try {
    await migratePg(pool, PG_MIGRATIONS.slice(0, step));
  } finally {
    await pool.end();
  }
  for (const id of ['kept', 'reset', 'dropped']) {
    await query(
      schema.url,
      `INSERT INTO accounts (id, username, name, role, station_id, password_hash, disabled, created_at)
       VALUES ($1, $2, $1, 'dispatcher', NULL, $3, FALSE, 1)`,
      [id, `u-${id}`, 'hash'],
    );
    await query(schema.url, 'INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES ($1, $2, 1, 9e12)', [
      `s-${id}`,
      id,
    ]);
  }

  const storage = await PgStorage.open(schema.url);
  t.onTestFinished(() => storage.close());
  expect(await query(schema.url, 'SELECT DISTINCT from_accounts_file FROM accounts')).toEqual([
    { from_accounts_file: false },
  ]);
  // The first start of the new version with the file: the same hash for one, a new one for another.
  // "dropped" was in the file before the upgrade, which no store recorded: it is left alone.
  const applied = await storage.applyAccounts({
    stations: [],
    accounts: [account('kept', null), account('reset', null, { passwordHash: 'hash-new' })],
    devices: [],
  });
  expect(applied).toEqual({ retired: [] });
  expect((await storage.sessionEndsAfter(0, 10)).map((e) => e.sessionId)).toEqual(['s-reset']);
  expect((await storage.getSession('s-kept'))?.endedAt).toBeNull();
  expect((await storage.getAccount('dropped'))?.disabled).toBe(false);
  // From now on the file's: left out of the next start's file, "kept" is disabled.
  expect(await storage.applyAccounts({ stations: [], accounts: [account('reset', null)], devices: [] })).toEqual({
    retired: ['u-kept'],
  });
  expect((await storage.getSession('s-kept'))?.endReason).toBe('account_changed');
});
