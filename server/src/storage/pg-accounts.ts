import type { Account, AccountsApplied, AccountsBatch, Device, Station } from './types.ts';
import { pgQuery, type Queryable } from './pg-pool.ts';
import { pgAccount, pgStation } from './pg-rows.ts';
import { toDevice } from './rows.ts';

// Stations, accounts and devices on PostgreSQL. Functions take the pool or a client inside a
// transaction, so `applyAccounts` runs the same statements in one transaction.

export async function pgUpsertStation(db: Queryable, s: Station): Promise<void> {
  await pgQuery(
    db,
    `INSERT INTO stations (id, name, short_name, adcode, color, jurisdiction) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, short_name = EXCLUDED.short_name, adcode = EXCLUDED.adcode,
       color = EXCLUDED.color, jurisdiction = EXCLUDED.jurisdiction`,
    [s.id, s.name, s.shortName, s.adcode, s.color, s.jurisdiction ? JSON.stringify(s.jurisdiction) : null],
  );
}

export async function pgUpsertAccount(db: Queryable, a: Account): Promise<void> {
  // Sessions of an account whose role, station, password hash or disabled flag changes end in the
  // same transaction (trigger accounts_end_sessions, pg-schema.ts).
  await pgQuery(
    db,
    `INSERT INTO accounts (id, username, name, role, station_id, password_hash, disabled, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, name = EXCLUDED.name, role = EXCLUDED.role,
       station_id = EXCLUDED.station_id, password_hash = EXCLUDED.password_hash, disabled = EXCLUDED.disabled`,
    [a.id, a.username, a.name, a.role, a.stationId, a.passwordHash, a.disabled, a.createdAt],
  );
}

const UPSERT_DEVICE = `INSERT INTO devices (id, station_id, unit_id, label, created_at) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (id) DO UPDATE SET station_id = EXCLUDED.station_id, unit_id = EXCLUDED.unit_id, label = EXCLUDED.label`;

export async function pgUpsertDevice(db: Queryable, d: Device): Promise<void> {
  await pgQuery(db, UPSERT_DEVICE, [d.id, d.stationId, d.unitId, d.label, d.createdAt]);
}

/** Compare-and-set: inserts a new id, or updates it only while it is still at `expected`. */
export async function pgPutDeviceIf(db: Queryable, d: Device, expected: string | null): Promise<boolean> {
  const { rowCount } = await pgQuery(db, `${UPSERT_DEVICE} WHERE devices.station_id IS NOT DISTINCT FROM $6`, [
    d.id,
    d.stationId,
    d.unitId,
    d.label,
    d.createdAt,
    expected,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * `applyAccounts` (see {@link AccountStore.applyAccounts}); the caller runs it in one transaction.
 * Disabling a retired account ends its sessions by the `accounts_end_sessions` trigger.
 */
export async function pgApplyAccounts(db: Queryable, batch: AccountsBatch): Promise<AccountsApplied> {
  // Instances starting together with different files take turns: each sees the other's marks.
  await pgQuery(db, `SELECT pg_advisory_xact_lock(hashtext('jointmap:accounts-file:' || current_schema()))`);
  for (const s of batch.stations) await pgUpsertStation(db, s);
  for (const a of batch.accounts) await pgUpsertAccount(db, a);
  for (const d of batch.devices) await pgUpsertDevice(db, d);
  const ids = batch.accounts.map((a) => a.id);
  const { rows } = await pgQuery(
    db,
    `UPDATE accounts SET disabled = TRUE, from_accounts_file = FALSE
     WHERE from_accounts_file AND NOT (id = ANY($1::text[])) RETURNING username`,
    [ids],
  );
  await pgQuery(
    db,
    'UPDATE accounts SET from_accounts_file = TRUE WHERE id = ANY($1::text[]) AND NOT from_accounts_file',
    [ids],
  );
  return { retired: rows.map((r) => r.username as string).sort() };
}

export async function pgListStations(db: Queryable): Promise<Station[]> {
  return (await pgQuery(db, 'SELECT * FROM stations ORDER BY id')).rows.map(pgStation);
}

export async function pgGetStation(db: Queryable, id: string): Promise<Station | null> {
  const { rows } = await pgQuery(db, 'SELECT * FROM stations WHERE id = $1', [id]);
  return rows[0] ? pgStation(rows[0]) : null;
}

export async function pgAccountWhere(db: Queryable, column: 'id' | 'username', value: string): Promise<Account | null> {
  const { rows } = await pgQuery(db, `SELECT * FROM accounts WHERE ${column} = $1`, [value]);
  return rows[0] ? pgAccount(rows[0]) : null;
}

export async function pgCountAccounts(db: Queryable): Promise<number> {
  return (await pgQuery(db, 'SELECT COUNT(*)::int AS n FROM accounts')).rows[0]!.n as number;
}

export async function pgGetDevice(db: Queryable, id: string): Promise<Device | null> {
  const { rows } = await pgQuery(db, 'SELECT * FROM devices WHERE id = $1', [id]);
  return rows[0] ? toDevice(rows[0]) : null;
}

export async function pgListDevices(db: Queryable, stationId?: string): Promise<Device[]> {
  const { rows } = stationId
    ? await pgQuery(db, 'SELECT * FROM devices WHERE station_id = $1 ORDER BY id', [stationId])
    : await pgQuery(db, 'SELECT * FROM devices ORDER BY id');
  return rows.map(toDevice);
}

export async function pgDevicesOfUnit(db: Queryable, unitId: string): Promise<Device[]> {
  return (await pgQuery(db, 'SELECT * FROM devices WHERE unit_id = $1 ORDER BY id', [unitId])).rows.map(toDevice);
}
