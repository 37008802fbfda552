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
  // Login sessions, so that a token can end before it expires. `session_ends` is the change feed
  // every instance polls (rowid order is commit order: SQLite has one writer). The triggers end an
  // account's sessions in the same transaction that disables, removes or re-roles it, whatever
  // code path (or hand-run SQL) changed the row. Not on password changes at first: the accounts
  // file re-hashed plain passwords with a new salt at every start (see "accounts file, second
  // version" below).
  `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, ended_at INTEGER, end_reason TEXT
  );
  CREATE INDEX sessions_account ON sessions (account_id) WHERE ended_at IS NULL;
  CREATE TABLE session_ends (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, account_id TEXT NOT NULL,
    reason TEXT NOT NULL, expires_at INTEGER NOT NULL, ended_at INTEGER NOT NULL
  );
  CREATE TRIGGER sessions_end_log AFTER UPDATE OF ended_at ON sessions
  WHEN OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
  BEGIN
    INSERT INTO session_ends (session_id, account_id, reason, expires_at, ended_at)
    VALUES (NEW.id, NEW.account_id, NEW.end_reason, NEW.expires_at, NEW.ended_at);
  END;
  CREATE TRIGGER accounts_end_sessions AFTER UPDATE OF disabled, role, station_id ON accounts
  WHEN OLD.disabled IS NOT NEW.disabled OR OLD.role IS NOT NEW.role OR OLD.station_id IS NOT NEW.station_id
  BEGIN
    UPDATE sessions SET ended_at = CAST(unixepoch('subsec') * 1000 AS INTEGER), end_reason = 'account_changed'
    WHERE account_id = NEW.id AND ended_at IS NULL;
  END;
  CREATE TRIGGER accounts_removed_end_sessions AFTER DELETE ON accounts
  BEGIN
    UPDATE sessions SET ended_at = CAST(unixepoch('subsec') * 1000 AS INTEGER), end_reason = 'account_changed'
    WHERE account_id = OLD.id AND ended_at IS NULL;
  END;
  `,
  // Positions keyed by station and unit: unit ids are unique per station only, so a fix of one
  // station's `car-01` must never overwrite, or be drawn as, another station's `car-01`. The track
  // keeps every row (each already names its station); the latest table is rebuilt from it with the
  // newest-fix rule of shared/src/live/newest.ts (time, then device id).
  `
  CREATE TABLE positions_track_v2 (
    station_id TEXT NOT NULL, unit_id TEXT NOT NULL, time INTEGER NOT NULL, device_id TEXT NOT NULL,
    lng REAL NOT NULL, lat REAL NOT NULL, speed REAL, bearing REAL, altitude REAL, accuracy REAL,
    battery REAL, alarm TEXT, received_at INTEGER NOT NULL,
    PRIMARY KEY (station_id, unit_id, time, device_id)
  ) WITHOUT ROWID;
  INSERT INTO positions_track_v2 (station_id, unit_id, time, device_id, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at)
    SELECT station_id, unit_id, time, device_id, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at
    FROM positions_track;
  DROP TABLE positions_track;
  ALTER TABLE positions_track_v2 RENAME TO positions_track;
  DROP TABLE positions_latest;
  CREATE TABLE positions_latest (
    station_id TEXT NOT NULL, unit_id TEXT NOT NULL, device_id TEXT NOT NULL, time INTEGER NOT NULL,
    lng REAL NOT NULL, lat REAL NOT NULL, speed REAL, bearing REAL, altitude REAL, accuracy REAL,
    battery REAL, alarm TEXT, received_at INTEGER NOT NULL,
    PRIMARY KEY (station_id, unit_id)
  );
  INSERT INTO positions_latest (station_id, unit_id, device_id, time, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at)
    SELECT station_id, unit_id, device_id, time, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at
    FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY station_id, unit_id ORDER BY time DESC, device_id DESC) AS rank
      FROM positions_track
    ) WHERE rank = 1;
  `,
  // Alerts raised by the alert engine (server/src/alerts). The id is made from the unit, rule, kind
  // and the start of the violation, so the primary key makes a second raise of the same alert (a
  // duplicate fix, a replay after a restart) an ignored insert.
  `
  CREATE TABLE alerts (
    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL, station_id TEXT NOT NULL, unit_id TEXT NOT NULL,
    rule_id TEXT, rule_scope TEXT, rule_name TEXT NOT NULL, kind TEXT NOT NULL, time INTEGER NOT NULL,
    raised_at INTEGER NOT NULL, lng REAL NOT NULL, lat REAL NOT NULL, evidence TEXT NOT NULL,
    state TEXT NOT NULL, acknowledged_by TEXT, acknowledged_at INTEGER, resolved_by TEXT, resolved_at INTEGER
  );
  CREATE INDEX alerts_operation_time ON alerts (operation_id, time DESC);
  CREATE INDEX alerts_unresolved ON alerts (operation_id) WHERE state <> 'resolved';
  `,
  // Track retention (server/src/retention): an operation's evidence hold, who set it and when, and
  // per unit how far back its track has been thinned (older fixes are not looked at again).
  `
  ALTER TABLE operations ADD COLUMN kept_by TEXT;
  ALTER TABLE operations ADD COLUMN kept_at INTEGER;
  CREATE TABLE track_thinned (
    station_id TEXT NOT NULL, unit_id TEXT NOT NULL, thinned_until INTEGER NOT NULL,
    PRIMARY KEY (station_id, unit_id)
  ) WITHOUT ROWID;
  `,
  // Operation archives (server/src/archive): when an operation closed, was purged after a verified
  // archive, or was restored from one; the archives this instance wrote.
  `
  ALTER TABLE operations ADD COLUMN closed_at INTEGER;
  ALTER TABLE operations ADD COLUMN purged_at INTEGER;
  ALTER TABLE operations ADD COLUMN restored_at INTEGER;
  CREATE TABLE operation_archives (
    id TEXT PRIMARY KEY, operation_id TEXT NOT NULL, file TEXT NOT NULL, bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL, counts TEXT NOT NULL
  );
  CREATE INDEX operation_archives_operation ON operation_archives (operation_id, created_at DESC);
  `,
  // Replay checkpoints (server/src/replay): a document's encoded state after its first `count`
  // updates (up to `seq`), and the latest time among them, so a moment after a restart reads one
  // checkpoint and the updates after it. A deleted log entry (a purge, a restore) drops the
  // checkpoints that covered it.
  `
  CREATE TABLE replay_checkpoints (
    doc TEXT NOT NULL, seq INTEGER NOT NULL, count INTEGER NOT NULL, max_time INTEGER NOT NULL,
    state BLOB NOT NULL, PRIMARY KEY (doc, seq)
  ) WITHOUT ROWID;
  CREATE TRIGGER replay_checkpoints_drop AFTER DELETE ON doc_updates BEGIN
    DELETE FROM replay_checkpoints WHERE doc = OLD.doc AND seq >= OLD.seq;
  END;
  `,
  // Accounts file, second version (server/src/seed/accounts-file.ts). The file keeps a stored hash
  // while its password still verifies, so a new hash now means a new password: it ends the
  // account's sessions like a new role does (a stolen token must not outlive a password reset).
  // Accounts the file wrote are marked, so that one it no longer lists can be disabled while demo
  // and hand-made accounts, which it never listed, are left alone.
  `
  ALTER TABLE accounts ADD COLUMN from_accounts_file INTEGER NOT NULL DEFAULT 0;
  DROP TRIGGER accounts_end_sessions;
  CREATE TRIGGER accounts_end_sessions AFTER UPDATE OF disabled, role, station_id, password_hash ON accounts
  WHEN OLD.disabled IS NOT NEW.disabled OR OLD.role IS NOT NEW.role OR OLD.station_id IS NOT NEW.station_id
    OR OLD.password_hash IS NOT NEW.password_hash
  BEGIN
    UPDATE sessions SET ended_at = CAST(unixepoch('subsec') * 1000 AS INTEGER), end_reason = 'account_changed'
    WHERE account_id = NEW.id AND ended_at IS NULL;
  END;
  `,
  // Purges under way (server/src/archive): the archive after which an operation's fixes are being
  // deleted, set with purged_at when its documents go and cleared once the last of its fixes
  // went, so a purge a crash cut short is finished at the next start (or the next request).
  `ALTER TABLE operations ADD COLUMN purging_archive TEXT;`,
  // The instance that wrote an archive's file (server/src/archive): on another instance without a
  // shared ARCHIVE_DIR the file is not there, and the answer says where it is.
  `ALTER TABLE operation_archives ADD COLUMN instance TEXT;`,
  // One unit's alerts of a kind, newest first (server/src/alerts: the SOS alert a press's end is
  // written on, whether a held press was resolved, the press of a late alarm), read without going
  // over the rest of the operation's alerts.
  `CREATE INDEX alerts_unit_kind_time ON alerts (operation_id, station_id, unit_id, kind, time DESC, id);`,
];
