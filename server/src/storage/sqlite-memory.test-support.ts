import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { SQLITE_MIGRATIONS } from './sqlite-schema.ts';

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A SQLite database in memory with every migration applied, closed after the test. */
export function migratedMemoryDb(): Database.Database {
  const db = new Database(':memory:');
  open.push(db);
  for (const sql of SQLITE_MIGRATIONS) db.exec(sql);
  return db;
}
