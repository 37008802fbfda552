import { describe, expect, test } from 'vitest';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { admin, createTestSchema, type TestSchema } from '../helpers/pg-schema.ts';
import { mapOf, mapUpdate } from './storage-backends.ts';

const author = { sessionId: null, userId: null };

/** A storage on a fresh schema (with `params` in its URL) and a pool beside it, all closed when the test ends. */
async function storageWithNeighbour(
  t: { onTestFinished(fn: () => unknown): void },
  params: Record<string, string> = {},
): Promise<{ schema: TestSchema; storage: PgStorage; other: ReturnType<typeof createPgPool> }> {
  const schema = await createTestSchema();
  const url = new URL(schema.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const storage = await PgStorage.open(url.toString());
  const other = createPgPool(schema.url, () => {});
  t.onTestFinished(async () => {
    await storage.close();
    await other.end();
    await schema.drop();
  });
  return { schema, storage, other };
}

/** Statements of the schema's connections still running (or waiting on a lock) in PostgreSQL. */
const activeStatements = (schema: TestSchema) =>
  admin(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'`, [schema.name]);

describe('PostgreSQL server-side timeouts', () => {
  test('every connection carries statement, lock and idle-in-transaction timeouts under the query timeout', async (t) => {
    const { storage } = await storageWithNeighbour(t);
    const show = async (name: string) => (await storage.pool.query(`SHOW ${name}`)).rows[0]![name] as string;
    expect(await show('statement_timeout')).toBe('9s');
    expect(await show('lock_timeout')).toBe('9s');
    expect(await show('idle_in_transaction_session_timeout')).toBe('15s');
  });

  test('an append refused while another transaction holds the head row is rolled back, not committed later', async (t) => {
    // The app gives up after 1.5 s (production: 10 s); PostgreSQL must have given up before.
    const { schema, storage, other } = await storageWithNeighbour(t, { query_timeout: '1500' });
    await storage.appendUpdate('op/l', mapUpdate('a', '1'), author);
    const holder = await other.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT last_seq FROM doc_heads WHERE doc = $1 FOR UPDATE', ['op/l']);
      const refused = await Promise.all([
        storage.appendUpdate('op/l', mapUpdate('b', '2', 2), author).catch((e: unknown) => e),
        storage.appendUpdates([{ doc: 'op/l', update: mapUpdate('c', '3', 3), author }]).catch((e: unknown) => e),
      ]);
      for (const err of refused) {
        expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
        // PostgreSQL cancelled the statement itself (lock_timeout or statement_timeout).
        expect((err as { cause?: { code?: string } }).cause?.code).toMatch(/^(55P03|57014)$/);
      }
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    // Whatever of the refused appends were still waiting would now go on and commit.
    for (let i = 0; i < 100 && (await activeStatements(schema)).length; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await activeStatements(schema)).toEqual([]);
    const log = await storage.readUpdateLog('op/l');
    expect(log.map((u) => u.seq)).toEqual([1]);
    expect(mapOf(log.map((u) => u.update))).toEqual({ a: '1' });
    // The pool serves the next append, numbered densely after the one stored.
    expect(await storage.appendUpdate('op/l', mapUpdate('d', '4', 4), author)).toBe(2);
  });
});
