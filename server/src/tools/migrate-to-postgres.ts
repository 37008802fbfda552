import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { alarmWithoutNul, sosAlarmWithoutNul, withoutNul } from '@jointmap/shared';
import { loadConfig } from '../config.ts';
import { createPgPool, withTx } from '../storage/pg-pool.ts';
import { migratePg } from '../storage/pg-schema.ts';
import { SQLITE_MIGRATIONS } from '../storage/sqlite-schema.ts';

/**
 * `pnpm migrate-to-postgres`: copy an embedded store (`DATA_DIR/jointmap.sqlite`) into an empty
 * PostgreSQL database (`DATABASE_URL`), every table and row, in one PostgreSQL transaction (all
 * or nothing). The SQLite file is only read, in one read transaction (a consistent snapshot even if
 * a server were still writing; stop it first anyway, or fixes it accepts later are not copied).
 *
 *   DATA_DIR=/var/lib/jointmap DATABASE_URL=postgres://jm@db/jointmap pnpm migrate-to-postgres
 *
 * Refuses a database that already holds data, and a SQLite table with no PostgreSQL counterpart
 * (it would be lost). Keep `DATA_DIR` for the instances: operation archives are files in it.
 */

/** Copy order: referenced tables first. Tables not listed (added later) follow in name order. */
const ORDER = [
  'settings',
  'stations',
  'accounts',
  'operations',
  'devices',
  'doc_updates',
  'doc_snapshots',
  'positions_track',
  'positions_latest',
  'track_thinned',
  'alerts',
  'operation_archives',
  'sessions',
  'session_ends',
];

/** Kept by PostgreSQL itself, or rebuilt after the copy. */
const NOT_COPIED = new Set(['schema_migrations', 'doc_heads', 'sqlite_sequence', 'sqlite_stat1']);

const BATCH_ROWS = 500;

export interface MigrationResult {
  /** Rows copied per table. */
  rows: Record<string, number>;
}

export async function migrateToPostgres(
  dataDir: string,
  databaseUrl: string,
  log: (line: string) => void = () => undefined,
): Promise<MigrationResult> {
  const file = join(dataDir, 'jointmap.sqlite');
  if (!existsSync(file)) throw new Error(`no embedded store at ${file}`);
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  const pool = createPgPool(databaseUrl, () => undefined);
  try {
    const version = sqlite.pragma('user_version', { simple: true }) as number;
    if (version !== SQLITE_MIGRATIONS.length) {
      throw new Error(
        `${file} is at schema ${version}, this version expects ${SQLITE_MIGRATIONS.length}: start this version's server on it once, stop it, then migrate`,
      );
    }
    await migratePg(pool);
    const tables = sqliteTables(sqlite);
    const pgColumns = await pgTableColumns(pool);
    const missing = tables.filter((t) => !pgColumns.has(t));
    if (missing.length) throw new Error(`no PostgreSQL table for ${missing.join(', ')}: nothing was copied`);
    const rows: Record<string, number> = {};
    sqlite.exec('BEGIN'); // one snapshot of every table
    try {
      await withTx(pool, async (client) => {
        for (const table of tables) {
          const { rows: found } = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
          if (found.length) throw new Error(`PostgreSQL table ${table} is not empty: migrate into an empty database`);
        }
        for (const table of tables) {
          rows[table] = await copyTable(sqlite, client, table, pgColumns.get(table)!);
          log(`${table}: ${rows[table]} rows`);
        }
        await rebuildCounters(client);
      });
    } finally {
      sqlite.exec('COMMIT');
    }
    return { rows };
  } finally {
    sqlite.close();
    await pool.end();
  }
}

function sqliteTables(db: Database.Database): string[] {
  const names = (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>
  )
    .map((r) => r.name)
    .filter((n) => !NOT_COPIED.has(n));
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/** Column name → data type of every table of the connection's schema. */
async function pgTableColumns(pool: pg.Pool): Promise<Map<string, Map<string, string>>> {
  const { rows } = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  const out = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Map());
    out.get(r.table_name)!.set(r.column_name, r.data_type);
  }
  return out;
}

async function copyTable(
  sqlite: Database.Database,
  client: pg.PoolClient,
  table: string,
  pgTypes: Map<string, string>,
): Promise<number> {
  const columns = (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map(
    (c) => c.name,
  );
  const lost = columns.filter((c) => !pgTypes.has(c));
  if (lost.length) throw new Error(`${table}: no PostgreSQL column for ${lost.join(', ')}: nothing was copied`);
  const convert = columns.map((c) => converter(pgTypes.get(c)!, c));
  // The update log goes in time order, so PostgreSQL's audit id follows the order of commits.
  const order = table === 'doc_updates' ? ' ORDER BY created_at, doc, seq' : '';
  let batch: unknown[][] = [];
  let count = 0;
  const flush = async () => {
    if (!batch.length) return;
    const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    await client.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, batch.flat());
    count += batch.length;
    batch = [];
  };
  for (const row of sqlite
    .prepare(`SELECT ${columns.join(', ')} FROM ${table}${order}`)
    .raw()
    .iterate()) {
    batch.push((row as unknown[]).map((v, i) => convert[i]!(v)));
    if (batch.length >= BATCH_ROWS) await flush();
  }
  await flush();
  return count;
}

/**
 * SQLite keeps booleans as 0/1. PostgreSQL text refuses NUL, which SQLite holds: a tracker's alarm
 * or an alert's rule name stored before such text was cleaned at the door loses its NULs rather than
 * stopping the whole copy (an alarm that was only NULs is no alarm, as the door stores it). JSON
 * keeps a NUL as `\u0000`, which PostgreSQL's `json` stores but then refuses to read as text (an
 * SOS alert's `evidence.alarm`): its strings lose their NULs too, an emptied alarm reading `sos`, as
 * an archive's restore writes them. Everything else (numbers, blobs) goes as it is.
 */
function converter(pgType: string, column: string): (v: unknown) => unknown {
  if (pgType === 'boolean') return (v) => (v === null ? null : Boolean(v));
  if (pgType === 'text' || pgType === 'character varying') {
    if (column === 'alarm') return (v) => (typeof v === 'string' ? alarmWithoutNul(v) : v);
    return (v) => (typeof v === 'string' ? withoutNul(v) : v);
  }
  if (pgType === 'json' || pgType === 'jsonb') {
    return (v) => (typeof v === 'string' && v.includes('\\u0000') ? jsonWithoutNul(v) : v);
  }
  return (v) => v;
}

/** JSON text whose strings hold no NUL (an emptied `alarm` reads `sos`: it raised an alert). */
function jsonWithoutNul(text: string): string {
  return JSON.stringify(
    JSON.parse(text, (key, value: unknown) => {
      if (typeof value !== 'string') return value;
      return key === 'alarm' ? sosAlarmWithoutNul(value) : withoutNul(value);
    }),
  );
}

/** Per-document heads and the session feed's sequence continue after the copied rows. */
async function rebuildCounters(client: pg.PoolClient): Promise<void> {
  await client.query(`
    INSERT INTO doc_heads (doc, last_seq)
    SELECT doc, MAX(seq) FROM (SELECT doc, seq FROM doc_updates UNION ALL SELECT doc, seq FROM doc_snapshots) s
    GROUP BY doc`);
  await client.query(`SELECT setval(pg_get_serial_sequence('session_ends', 'seq'), COALESCE(MAX(seq), 0) + 1, false)
    FROM session_ends`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.databaseUrl) throw new Error('set DATABASE_URL to the (empty) PostgreSQL database to migrate into');
  console.log(`copying ${join(config.dataDir, 'jointmap.sqlite')} into PostgreSQL`);
  const { rows } = await migrateToPostgres(config.dataDir, config.databaseUrl, (line) => console.log(`  ${line}`));
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  console.log(`done: ${total} rows. Start the server with DATABASE_URL set (and the same DATA_DIR).`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(`migrate-to-postgres: ${(err as Error).message}`);
    process.exit(1);
  });
}
