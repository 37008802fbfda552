/**
 * SQLite schema migrations, applied in order; `PRAGMA user_version` records how many ran.
 * Append new steps; never edit a released one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE stations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT NOT NULL, adcode TEXT,
    color TEXT NOT NULL, jurisdiction TEXT
  );
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
    station_id TEXT REFERENCES stations(id), password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL
  );
  CREATE TABLE operations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    stations TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY, station_id TEXT NOT NULL REFERENCES stations(id), unit_id TEXT,
    label TEXT NOT NULL, created_at INTEGER NOT NULL
  );
  CREATE TABLE doc_updates (
    doc TEXT NOT NULL, seq INTEGER NOT NULL, update_bytes BLOB NOT NULL,
    session_id TEXT, user_id TEXT, created_at INTEGER NOT NULL,
    PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID;
  CREATE TABLE doc_snapshots (
    doc TEXT PRIMARY KEY, seq INTEGER NOT NULL, state BLOB NOT NULL, created_at INTEGER NOT NULL
  );
  `,
];
