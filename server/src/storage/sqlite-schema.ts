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
  // 1: live positions. The track is keyed by (unit, fix time, device) so a fix that a buffering
  // tracker app sends again is stored once; the key doubles as the (unit_id, time) index.
  `
  CREATE TABLE positions_latest (
    unit_id TEXT PRIMARY KEY, station_id TEXT NOT NULL, device_id TEXT NOT NULL, time INTEGER NOT NULL,
    lng REAL NOT NULL, lat REAL NOT NULL, speed REAL, bearing REAL, altitude REAL, accuracy REAL,
    battery REAL, alarm TEXT, received_at INTEGER NOT NULL
  );
  CREATE TABLE positions_track (
    unit_id TEXT NOT NULL, time INTEGER NOT NULL, device_id TEXT NOT NULL, station_id TEXT NOT NULL,
    lng REAL NOT NULL, lat REAL NOT NULL, speed REAL, bearing REAL, altitude REAL, accuracy REAL,
    battery REAL, alarm TEXT, received_at INTEGER NOT NULL,
    PRIMARY KEY (unit_id, time, device_id)
  ) WITHOUT ROWID;
  `,
  // Trackers of a unit are looked up on registration and on every track query.
  `CREATE INDEX devices_unit ON devices (unit_id);`,
];
