import type pg from 'pg';
import { withTx } from './pg-pool.ts';

/**
 * PostgreSQL schema migrations, applied in order at start; `schema_migrations` records which ran.
 * Append new steps; never edit a released one. Ids are `COLLATE "C"` so every `ORDER BY` and
 * every comparison of ids (the newest-fix rule compares device ids) is byte order, as in SQLite
 * and in `compareFixes`, whatever the database's locale.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // 1: everything the embedded store holds (sqlite-schema.ts up to "operation archives").
  `
  CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE stations (
    id TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL, short_name TEXT NOT NULL, adcode TEXT,
    color TEXT NOT NULL, jurisdiction JSON
  );
  CREATE TABLE accounts (
    id TEXT COLLATE "C" PRIMARY KEY, username TEXT COLLATE "C" NOT NULL UNIQUE, name TEXT NOT NULL,
    role TEXT NOT NULL, station_id TEXT COLLATE "C" REFERENCES stations(id), password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE, created_at BIGINT NOT NULL
  );
  CREATE TABLE operations (
    id TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    stations JSON NOT NULL, created_by TEXT COLLATE "C" NOT NULL, created_at BIGINT NOT NULL,
    kept_by TEXT COLLATE "C", kept_at BIGINT, closed_at BIGINT, purged_at BIGINT, restored_at BIGINT
  );
  CREATE TABLE devices (
    id TEXT COLLATE "C" PRIMARY KEY, station_id TEXT COLLATE "C" NOT NULL REFERENCES stations(id),
    unit_id TEXT COLLATE "C", label TEXT NOT NULL, created_at BIGINT NOT NULL
  );
  CREATE INDEX devices_unit ON devices (unit_id);

  -- The update log. \`id\` is the commit-ordered audit sequence over all documents; \`seq\` is the
  -- dense per-document order, handed out by the row lock on doc_heads (see pg-docs.ts).
  CREATE TABLE doc_updates (
    id BIGSERIAL NOT NULL UNIQUE, doc TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL,
    update_bytes BYTEA NOT NULL, session_id TEXT, user_id TEXT, created_at BIGINT NOT NULL,
    PRIMARY KEY (doc, seq)
  );
  CREATE TABLE doc_heads (doc TEXT COLLATE "C" PRIMARY KEY, last_seq BIGINT NOT NULL);
  CREATE TABLE doc_snapshots (
    doc TEXT COLLATE "C" PRIMARY KEY, seq BIGINT NOT NULL, state BYTEA NOT NULL, created_at BIGINT NOT NULL
  );

  CREATE TABLE positions_track (
    station_id TEXT COLLATE "C" NOT NULL, unit_id TEXT COLLATE "C" NOT NULL, time BIGINT NOT NULL,
    device_id TEXT COLLATE "C" NOT NULL,
    lng DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL, speed DOUBLE PRECISION,
    bearing DOUBLE PRECISION, altitude DOUBLE PRECISION, accuracy DOUBLE PRECISION,
    battery DOUBLE PRECISION, alarm TEXT, received_at BIGINT NOT NULL,
    PRIMARY KEY (station_id, unit_id, time, device_id)
  );
  CREATE TABLE positions_latest (
    station_id TEXT COLLATE "C" NOT NULL, unit_id TEXT COLLATE "C" NOT NULL, device_id TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL,
    lng DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL, speed DOUBLE PRECISION,
    bearing DOUBLE PRECISION, altitude DOUBLE PRECISION, accuracy DOUBLE PRECISION,
    battery DOUBLE PRECISION, alarm TEXT, received_at BIGINT NOT NULL,
    PRIMARY KEY (station_id, unit_id)
  );
  CREATE TABLE track_thinned (
    station_id TEXT COLLATE "C" NOT NULL, unit_id TEXT COLLATE "C" NOT NULL, thinned_until BIGINT NOT NULL,
    PRIMARY KEY (station_id, unit_id)
  );

  CREATE TABLE alerts (
    id TEXT COLLATE "C" PRIMARY KEY, operation_id TEXT COLLATE "C" NOT NULL, station_id TEXT COLLATE "C" NOT NULL,
    unit_id TEXT COLLATE "C" NOT NULL, rule_id TEXT, rule_scope TEXT, rule_name TEXT NOT NULL, kind TEXT NOT NULL,
    time BIGINT NOT NULL, raised_at BIGINT NOT NULL, lng DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL,
    evidence JSON NOT NULL, state TEXT NOT NULL, acknowledged_by JSON, acknowledged_at BIGINT,
    resolved_by JSON, resolved_at BIGINT
  );
  CREATE INDEX alerts_operation_time ON alerts (operation_id, time DESC);
  CREATE INDEX alerts_unresolved ON alerts (operation_id) WHERE state <> 'resolved';

  CREATE TABLE operation_archives (
    id TEXT COLLATE "C" PRIMARY KEY, operation_id TEXT COLLATE "C" NOT NULL, file TEXT NOT NULL,
    bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,
    counts JSON NOT NULL
  );
  CREATE INDEX operation_archives_operation ON operation_archives (operation_id, created_at DESC);

  -- Login sessions and the feed of ended ones (see SessionStore in types.ts). The feed's seq must
  -- be commit order, which a sequence alone is not with concurrent writers: the trigger takes a
  -- transaction-level advisory lock before it draws the next value, so feed entries commit one at
  -- a time, in seq order (sessions end rarely; the lock costs nothing that matters).
  CREATE TABLE sessions (
    id TEXT COLLATE "C" PRIMARY KEY, account_id TEXT COLLATE "C" NOT NULL, created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL, ended_at BIGINT, end_reason TEXT
  );
  CREATE INDEX sessions_account ON sessions (account_id) WHERE ended_at IS NULL;
  CREATE TABLE session_ends (
    seq BIGSERIAL PRIMARY KEY, session_id TEXT NOT NULL, account_id TEXT NOT NULL,
    reason TEXT NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT NOT NULL
  );
  CREATE FUNCTION jm_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS
    $$ SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT $$;
  CREATE FUNCTION jm_sessions_end_log() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('jointmap:session_ends:' || TG_TABLE_SCHEMA));
    INSERT INTO session_ends (session_id, account_id, reason, expires_at, ended_at)
    VALUES (NEW.id, NEW.account_id, NEW.end_reason, NEW.expires_at, NEW.ended_at);
    RETURN NULL;
  END $$;
  CREATE TRIGGER sessions_end_log AFTER UPDATE OF ended_at ON sessions
  FOR EACH ROW WHEN (OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL)
  EXECUTE FUNCTION jm_sessions_end_log();
  CREATE FUNCTION jm_accounts_end_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE sessions SET ended_at = jm_now_ms(), end_reason = 'account_changed'
    WHERE account_id = OLD.id AND ended_at IS NULL;
    RETURN NULL;
  END $$;
  CREATE TRIGGER accounts_end_sessions AFTER UPDATE OF disabled, role, station_id ON accounts
  FOR EACH ROW WHEN (OLD.disabled IS DISTINCT FROM NEW.disabled OR OLD.role IS DISTINCT FROM NEW.role
    OR OLD.station_id IS DISTINCT FROM NEW.station_id)
  EXECUTE FUNCTION jm_accounts_end_sessions();
  CREATE TRIGGER accounts_removed_end_sessions AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION jm_accounts_end_sessions();
  `,
  // Replay checkpoints (server/src/replay), as in sqlite-schema.ts.
  `
  CREATE TABLE replay_checkpoints (
    doc TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, count BIGINT NOT NULL, max_time BIGINT NOT NULL,
    state BYTEA NOT NULL, PRIMARY KEY (doc, seq)
  );
  CREATE FUNCTION replay_checkpoints_drop() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM replay_checkpoints WHERE doc = OLD.doc AND seq >= OLD.seq;
    RETURN NULL;
  END $$;
  CREATE TRIGGER replay_checkpoints_drop AFTER DELETE ON doc_updates
    FOR EACH ROW EXECUTE FUNCTION replay_checkpoints_drop();
  `,
  // Accounts file, second version, as in sqlite-schema.ts: a new password hash ends the account's
  // sessions, and accounts the file wrote are marked (one it no longer lists is disabled).
  `
  ALTER TABLE accounts ADD COLUMN from_accounts_file BOOLEAN NOT NULL DEFAULT FALSE;
  DROP TRIGGER accounts_end_sessions ON accounts;
  CREATE TRIGGER accounts_end_sessions AFTER UPDATE OF disabled, role, station_id, password_hash ON accounts
  FOR EACH ROW WHEN (OLD.disabled IS DISTINCT FROM NEW.disabled OR OLD.role IS DISTINCT FROM NEW.role
    OR OLD.station_id IS DISTINCT FROM NEW.station_id OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
  EXECUTE FUNCTION jm_accounts_end_sessions();
  `,
  // Purges under way (server/src/archive), as in sqlite-schema.ts: the archive after which an
  // operation's fixes are being deleted, cleared once the last of them went.
  `ALTER TABLE operations ADD COLUMN purging_archive TEXT COLLATE "C";`,
  // The instance that wrote an archive's file, as in sqlite-schema.ts.
  `ALTER TABLE operation_archives ADD COLUMN instance TEXT;`,
  // One unit's alerts of a kind, newest first, as in sqlite-schema.ts.
  `CREATE INDEX alerts_unit_kind_time ON alerts (operation_id, station_id, unit_id, kind, time DESC, id);`,
];

/**
 * Bring the schema (the connection's `search_path`) up to date. Safe when several instances
 * start at once: everything runs in one transaction behind an advisory lock keyed on the schema,
 * so the first instance migrates and the others wait, then find nothing left to do. DDL is
 * transactional in PostgreSQL: a step that fails leaves the schema as it was.
 */
export async function migratePg(pool: pg.Pool, migrations: readonly string[] = PG_MIGRATIONS): Promise<number> {
  return withTx(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('jointmap:migrate:' || current_schema()))`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    for (let i = current; i < migrations.length; i++) {
      await client.query(migrations[i]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
    }
    return migrations.length - current;
  });
}
