import { randomBytes } from 'node:crypto';
import { createPgPool, type PgRow } from '@jointmap/server/storage/pg-pool';

/**
 * The machine's PostgreSQL (trust auth, database `test`); `TEST_DATABASE_URL` overrides it.
 * Tests never touch its `public` schema: each gets a schema of its own.
 */
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  name: string;
  /** Connection string whose `search_path` is the schema. */
  url: string;
  drop(): Promise<void>;
}

/** `url` with `search_path` (and `application_name`) set to `schema` for every connection made from it. */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  // Lets a test find (and kill) exactly the connections of its schema in pg_stat_activity.
  u.searchParams.set('application_name', schema);
  return u.toString();
}

/**
 * A fresh empty schema `jm_test_<random>`, dropped (with everything in it) by `drop`, which the
 * caller registers as teardown. Registers it itself when given a test context.
 */
export async function createTestSchema(t?: { onTestFinished(fn: () => unknown): void }): Promise<TestSchema> {
  const name = `jm_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE SCHEMA ${name}`);
  let dropped = false;
  const schema: TestSchema = {
    name,
    url: urlWithSchema(PG_ADMIN_URL, name),
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
  t?.onTestFinished(() => schema.drop());
  return schema;
}

/** Run one statement as the admin user (outside any test schema). */
export async function admin(sql: string, values: unknown[] = []): Promise<PgRow[]> {
  return query(PG_ADMIN_URL, sql, values);
}

/** Run one statement on a connection of its own to `url` (a test schema's, to look behind the storage). */
export async function query(url: string, sql: string, values: unknown[] = []): Promise<PgRow[]> {
  const pool = createPgPool(url, () => {});
  try {
    return (await pool.query<PgRow>(sql, values)).rows;
  } finally {
    await pool.end();
  }
}
