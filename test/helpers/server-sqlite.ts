import { createRequire } from 'node:module';

/** The part of a better-sqlite3 connection the tests use to look behind (or back up) the embedded store. */
export interface SqliteConnection {
  backup(dest: string): Promise<unknown>;
  exec(sql: string): void;
  prepare(sql: string): { run(...values: unknown[]): unknown; get(...values: unknown[]): unknown };
  close(): void;
}

/** better-sqlite3 as the server has it (the test package does not depend on it itself). */
export const Database = createRequire(new URL('../../server/package.json', import.meta.url))('better-sqlite3') as new (
  file: string,
  options?: { readonly?: boolean },
) => SqliteConnection;
