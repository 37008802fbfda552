import type Database from 'better-sqlite3';
import type { Account, AccountsApplied, AccountsBatch, AccountStore, Device, DeviceStore } from './types.ts';
import type { Operation, OperationStore, Station } from './types.ts';
import { sqliteApplyAccounts } from './sqlite-accounts-file.ts';
import { toDevice, type Row } from './rows.ts';
import { accountRow, stationRow, toAccount, toOperation, toStation } from './sqlite-rows.ts';

/**
 * Settings, stations, accounts, devices and the reads of operations on SQLite (the SQLite side of
 * pg-accounts.ts). Creating an operation stays in SqliteStorage: it appends the command document's
 * first update in the same transaction, through {@link SqliteDirectoryStore.insertOperation}.
 */
export class SqliteDirectoryStore implements AccountStore, DeviceStore, Omit<OperationStore, 'createOperation'> {
  private readonly stmts;
  private readonly applyAccountsTx: (batch: AccountsBatch) => AccountsApplied;

  constructor(db: Database.Database) {
    this.stmts = {
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      upsertStation: db.prepare(
        `INSERT INTO stations (id, name, short_name, adcode, color, jurisdiction) VALUES (@id, @name, @shortName, @adcode, @color, @jurisdiction)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, short_name = excluded.short_name, adcode = excluded.adcode,
           color = excluded.color, jurisdiction = excluded.jurisdiction`,
      ),
      listStations: db.prepare('SELECT * FROM stations ORDER BY id'),
      getStation: db.prepare('SELECT * FROM stations WHERE id = ?'),
      upsertAccount: db.prepare(
        `INSERT INTO accounts (id, username, name, role, station_id, password_hash, disabled, created_at)
         VALUES (@id, @username, @name, @role, @stationId, @passwordHash, @disabled, @createdAt)
         ON CONFLICT (id) DO UPDATE SET username = excluded.username, name = excluded.name, role = excluded.role,
           station_id = excluded.station_id, password_hash = excluded.password_hash, disabled = excluded.disabled`,
      ),
      accountByUsername: db.prepare('SELECT * FROM accounts WHERE username = ?'),
      account: db.prepare('SELECT * FROM accounts WHERE id = ?'),
      countAccounts: db.prepare('SELECT COUNT(*) AS n FROM accounts'),
      createOperation: db.prepare(
        `INSERT INTO operations (id, name, kind, status, stations, created_by, created_at)
         VALUES (@id, @name, @kind, @status, @stations, @createdBy, @createdAt)`,
      ),
      operation: db.prepare('SELECT * FROM operations WHERE id = ?'),
      operations: db.prepare('SELECT * FROM operations ORDER BY created_at DESC, id'),
      upsertDevice: db.prepare(
        `INSERT INTO devices (id, station_id, unit_id, label, created_at) VALUES (@id, @stationId, @unitId, @label, @createdAt)
         ON CONFLICT (id) DO UPDATE SET station_id = excluded.station_id, unit_id = excluded.unit_id, label = excluded.label`,
      ),
      device: db.prepare('SELECT * FROM devices WHERE id = ?'),
      devices: db.prepare('SELECT * FROM devices ORDER BY id'),
      devicesOfStation: db.prepare('SELECT * FROM devices WHERE station_id = ? ORDER BY id'),
      devicesOfUnit: db.prepare('SELECT * FROM devices WHERE unit_id = ? ORDER BY id'),
      // Compare-and-set: inserts a new id, or updates it only while it is still at @expected.
      putDeviceIf: db.prepare(
        `INSERT INTO devices (id, station_id, unit_id, label, created_at) VALUES (@id, @stationId, @unitId, @label, @createdAt)
         ON CONFLICT (id) DO UPDATE SET station_id = excluded.station_id, unit_id = excluded.unit_id, label = excluded.label
         WHERE devices.station_id IS @expected`,
      ),
    };
    this.applyAccountsTx = sqliteApplyAccounts(db, this.stmts);
  }

  async getSetting(key: string): Promise<string | null> {
    return (this.stmts.getSetting.get(key) as { value: string } | undefined)?.value ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.stmts.setSetting.run(key, value);
  }

  async applyAccounts(batch: AccountsBatch): Promise<AccountsApplied> {
    return this.applyAccountsTx(batch);
  }

  async upsertStation(s: Station): Promise<void> {
    this.stmts.upsertStation.run(stationRow(s));
  }

  async listStations(): Promise<Station[]> {
    return (this.stmts.listStations.all() as Row[]).map(toStation);
  }

  async getStation(id: string): Promise<Station | null> {
    const row = this.stmts.getStation.get(id) as Row | undefined;
    return row ? toStation(row) : null;
  }

  async upsertAccount(a: Account): Promise<void> {
    this.stmts.upsertAccount.run(accountRow(a));
  }

  async getAccountByUsername(username: string): Promise<Account | null> {
    const row = this.stmts.accountByUsername.get(username) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  async getAccount(id: string): Promise<Account | null> {
    const row = this.stmts.account.get(id) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  async countAccounts(): Promise<number> {
    return (this.stmts.countAccounts.get() as { n: number }).n;
  }

  /** Insert `op`; synchronous, for SqliteStorage's transaction that also appends its command document's update. */
  insertOperation(op: Operation): void {
    this.stmts.createOperation.run({ ...op, stations: JSON.stringify(op.stations) });
  }

  async getOperation(id: string): Promise<Operation | null> {
    const row = this.stmts.operation.get(id) as Row | undefined;
    return row ? toOperation(row) : null;
  }

  async listOperations(): Promise<Operation[]> {
    return (this.stmts.operations.all() as Row[]).map(toOperation);
  }

  async upsertDevice(d: Device): Promise<void> {
    this.stmts.upsertDevice.run(d);
  }

  async putDeviceIf(d: Device, expectedStationId: string | null): Promise<boolean> {
    return this.stmts.putDeviceIf.run({ ...d, expected: expectedStationId }).changes > 0;
  }

  async getDevice(id: string): Promise<Device | null> {
    const row = this.stmts.device.get(id) as Row | undefined;
    return row ? toDevice(row) : null;
  }

  async devicesOfUnit(unitId: string): Promise<Device[]> {
    return (this.stmts.devicesOfUnit.all(unitId) as Row[]).map(toDevice);
  }

  async listDevices(stationId?: string): Promise<Device[]> {
    const rows = (stationId ? this.stmts.devicesOfStation.all(stationId) : this.stmts.devices.all()) as Row[];
    return rows.map(toDevice);
  }
}
