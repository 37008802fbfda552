import type pg from 'pg';
import type { Alert, AlertState } from '@jointmap/shared';
import type {
  Account,
  AccountsApplied,
  AccountsBatch,
  AlertFilter,
  ArchiveRecord,
  Device,
  DocUpdateWrite,
  FixKey,
  LoadDocOptions,
  LoggedUpdate,
  LoginSession,
  Operation,
  OperationHold,
  PositionFix,
  PurgeUnderWay,
  RestoreMark,
  RestoredDoc,
  SessionEnd,
  SessionEndReason,
  Station,
  Storage,
  StoredDoc,
  UpdateAuthor,
} from './types.ts';
import type { ArchiveStore, ReplayCheckpoint } from './types.ts';
import { checkpointsOfRestore } from './log-checkpoints.ts';
import { createPgPool, pgQuery, withTx } from './pg-pool.ts';
import { migratePg } from './pg-schema.ts';
import { insertDocUpdate, PgDocStore } from './pg-docs.ts';
import * as accounts from './pg-accounts.ts';
import { PgSessionStore } from './pg-sessions.ts';
import { PgPositionStore } from './pg-positions.ts';
import { PgAlertStore } from './pg-alerts.ts';
import { PgRetentionStore } from './pg-retention.ts';
import { PgArchiveStore } from './pg-archive.ts';
import { pgOperation } from './pg-rows.ts';
import { measurePostgres } from './pg-figures.ts';
import type { StorageFigures } from './sqlite-figures.ts';

export interface PgStorageOptions {
  /** Where an idle connection's failure is reported (default: ignored; the next query reports it). */
  onIdleError?: (err: Error) => void;
}

/**
 * Storage on PostgreSQL (`DATABASE_URL`), for several instances sharing one database. Create it
 * with {@link PgStorage.open}, which runs the migrations. Every write is a transaction that has
 * committed (with the server's `synchronous_commit`, durable) when its promise resolves.
 * See docs/decisions.md, "PostgreSQL storage".
 */
export class PgStorage implements Storage {
  readonly kind = 'postgres' as const;
  private readonly docs: PgDocStore;
  private readonly sessions: PgSessionStore;
  private readonly positions: PgPositionStore;
  private readonly alerts: PgAlertStore;
  private readonly retention: PgRetentionStore;
  private readonly archive: PgArchiveStore;
  private closed = false;

  private constructor(readonly pool: pg.Pool) {
    this.docs = new PgDocStore(pool);
    this.sessions = new PgSessionStore(pool);
    this.positions = new PgPositionStore(pool);
    this.alerts = new PgAlertStore(pool);
    this.retention = new PgRetentionStore(pool);
    this.archive = new PgArchiveStore(pool);
  }

  /**
   * Connect to `connectionString` and bring its schema up to date (safe when several instances
   * start at once). The schema is the connection's `search_path`, e.g.
   * `postgres://host/db?options=-c%20search_path%3Djointmap`.
   */
  static async open(connectionString: string, options: PgStorageOptions = {}): Promise<PgStorage> {
    const pool = createPgPool(connectionString, options.onIdleError ?? (() => {}));
    try {
      await migratePg(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PgStorage(pool);
  }

  async ping(): Promise<void> {
    await pgQuery(this.pool, 'SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Store sizes per table (pg-figures.ts), the PostgreSQL side of `measureSqlite`. */
  figures(now: number): Promise<StorageFigures> {
    return measurePostgres(this.pool, now);
  }

  async getSetting(key: string): Promise<string | null> {
    const { rows } = await pgQuery(this.pool, 'SELECT value FROM settings WHERE key = $1', [key]);
    return (rows[0]?.value as string | undefined) ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await pgQuery(
      this.pool,
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
  }

  // Documents and their update log (pg-docs.ts).
  loadDoc = (doc: string, options?: LoadDocOptions): Promise<StoredDoc> => this.docs.loadDoc(doc, options);
  appendUpdate = (doc: string, update: Uint8Array, author: UpdateAuthor): Promise<number> =>
    this.docs.appendUpdate(doc, update, author);
  appendUpdates = (batch: readonly DocUpdateWrite[]): Promise<number[]> => this.docs.appendUpdates(batch);
  saveSnapshot = (doc: string, seq: number, state: Uint8Array): Promise<void> =>
    this.docs.saveSnapshot(doc, seq, state);
  readUpdateLog = (doc: string): Promise<LoggedUpdate[]> => this.docs.readUpdateLog(doc);
  readUpdateLogRange = (doc: string, afterSeq: number, untilTime: number): Promise<LoggedUpdate[]> =>
    this.docs.readUpdateLogRange(doc, afterSeq, untilTime);
  readUpdateLogPage = (doc: string, after: number, limit: number, through?: number) =>
    this.docs.readUpdateLogPage(doc, after, limit, through);
  readUpdateLogSpan = (doc: string, after: number, through: number, limit: number) =>
    this.docs.readUpdateLogSpan(doc, after, through, limit);
  readUpdateLogHeads = (docs: readonly string[]) => this.docs.readUpdateLogHeads(docs);
  readReplayCheckpoints = (doc: string, after: number, n: number) => this.docs.readReplayCheckpoints(doc, after, n);
  saveReplayCheckpoint = (cp: ReplayCheckpoint): Promise<void> => this.docs.saveReplayCheckpoint(cp);
  readReplayCheckpoint = (doc: string, at: number): Promise<ReplayCheckpoint | null> =>
    this.docs.readReplayCheckpoint(doc, at);

  // Stations, accounts and devices (pg-accounts.ts).
  applyAccounts = (batch: AccountsBatch): Promise<AccountsApplied> =>
    withTx(this.pool, (client) => accounts.pgApplyAccounts(client, batch));
  upsertStation = (s: Station): Promise<void> => accounts.pgUpsertStation(this.pool, s);
  listStations = (): Promise<Station[]> => accounts.pgListStations(this.pool);
  getStation = (id: string): Promise<Station | null> => accounts.pgGetStation(this.pool, id);
  upsertAccount = (a: Account): Promise<void> => accounts.pgUpsertAccount(this.pool, a);
  getAccountByUsername = (username: string): Promise<Account | null> =>
    accounts.pgAccountWhere(this.pool, 'username', username);
  getAccount = (id: string): Promise<Account | null> => accounts.pgAccountWhere(this.pool, 'id', id);
  countAccounts = (): Promise<number> => accounts.pgCountAccounts(this.pool);
  upsertDevice = (d: Device): Promise<void> => accounts.pgUpsertDevice(this.pool, d);
  putDeviceIf = (d: Device, expectedStationId: string | null): Promise<boolean> =>
    accounts.pgPutDeviceIf(this.pool, d, expectedStationId);
  getDevice = (id: string): Promise<Device | null> => accounts.pgGetDevice(this.pool, id);
  listDevices = (stationId?: string): Promise<Device[]> => accounts.pgListDevices(this.pool, stationId);
  devicesOfUnit = (unitId: string): Promise<Device[]> => accounts.pgDevicesOfUnit(this.pool, unitId);

  // Operations.
  async createOperation(op: Operation, commandDoc?: DocUpdateWrite): Promise<void> {
    const seq = await withTx(this.pool, async (client) => {
      await pgQuery(
        client,
        `INSERT INTO operations (id, name, kind, status, stations, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [op.id, op.name, op.kind, op.status, JSON.stringify(op.stations), op.createdBy, op.createdAt],
      );
      return commandDoc ? insertDocUpdate(client, commandDoc.doc, commandDoc.update, commandDoc.author) : null;
    });
    if (commandDoc && seq !== null) this.docs.appended(commandDoc.doc, seq);
  }

  async getOperation(id: string): Promise<Operation | null> {
    const { rows } = await pgQuery(this.pool, 'SELECT * FROM operations WHERE id = $1', [id]);
    return rows[0] ? pgOperation(rows[0]) : null;
  }

  async listOperations(): Promise<Operation[]> {
    return (await pgQuery(this.pool, 'SELECT * FROM operations ORDER BY created_at DESC, id')).rows.map(pgOperation);
  }

  // Positions (pg-positions.ts).
  appendPositions = (fixes: readonly PositionFix[]): Promise<void> => this.positions.appendPositions(fixes);
  latestPositions = (): Promise<PositionFix[]> => this.positions.latestPositions();
  latestPosition = (s: string, u: string): Promise<PositionFix | null> => this.positions.latestPosition(s, u);
  track = (s: string, u: string, from: number, to: number, limit: number): Promise<PositionFix[]> =>
    this.positions.track(s, u, from, to, limit);

  // Login sessions (pg-sessions.ts).
  createSession = (s: Omit<LoginSession, 'endedAt' | 'endReason'>): Promise<void> => this.sessions.createSession(s);
  getSession = (id: string): Promise<LoginSession | null> => this.sessions.getSession(id);
  renewSession = (id: string, expiresAt: number, now: number): Promise<boolean> =>
    this.sessions.renewSession(id, expiresAt, now);
  endSession = (id: string, reason: SessionEndReason, now: number): Promise<boolean> =>
    this.sessions.endSession(id, reason, now);
  sessionEndsAfter = (seq: number, limit: number): Promise<SessionEnd[]> => this.sessions.sessionEndsAfter(seq, limit);
  lastSessionEndSeq = (): Promise<number> => this.sessions.lastSessionEndSeq();
  pruneSessions = (before: number): Promise<void> => this.sessions.pruneSessions(before);

  // Alerts (pg-alerts.ts).
  insertAlert = (alert: Alert): Promise<boolean> => this.alerts.insertAlert(alert);
  getAlert = (operationId: string, id: string): Promise<Alert | null> => this.alerts.getAlert(operationId, id);
  listAlerts = (operationId: string, filter: AlertFilter): Promise<Alert[]> =>
    this.alerts.listAlerts(operationId, filter);
  updateAlertIf = (alert: Alert, expected: AlertState): Promise<boolean> => this.alerts.updateAlertIf(alert, expected);
  endSosPress = (operationId: string, id: string, endedAt: number): Promise<void> =>
    this.alerts.endSosPress(operationId, id, endedAt);

  // Track retention and evidence holds (pg-retention.ts).
  trackStations = (): Promise<string[]> => this.retention.trackStations();
  thinnedUntilOfStation = (s: string): Promise<Map<string, number>> => this.retention.thinnedUntilOfStation(s);
  trackPage = (s: string, u: string, from: number, to: number, limit: number): Promise<PositionFix[]> =>
    this.retention.trackPage(s, u, from, to, limit);
  lastFixBefore = (s: string, u: string, t: number): Promise<PositionFix | null> =>
    this.retention.lastFixBefore(s, u, t);
  thinFixes = (s: string, u: string, remove: readonly FixKey[], until: number): Promise<void> =>
    this.retention.thinFixes(s, u, remove, until);
  dropFixesIn = (s: string, u: string, from: number, to: number, limit: number): Promise<number> =>
    this.retention.dropFixesIn(s, u, from, to, limit);
  setOperationHold = (id: string, by: string | null, now: number): Promise<boolean> =>
    this.retention.setOperationHold(id, by, now);
  operationHolds = (): Promise<OperationHold[]> => this.retention.operationHolds();
  operationHold = (id: string): Promise<OperationHold | null> => this.retention.operationHold(id);
  markRestore = (mark: RestoreMark, replaces?: RestoreMark | null): Promise<boolean> =>
    this.retention.markRestore(mark, replaces);
  unmarkRestore = (mark: RestoreMark): Promise<void> => this.retention.unmarkRestore(mark);
  restoreMarks = (): Promise<RestoreMark[]> => this.retention.restoreMarks();

  // Closing, archiving, purging and restoring operations (pg-archive.ts).
  closeOperation = (id: string, at: number): Promise<boolean> => this.archive.closeOperation(id, at);
  recordArchive = (r: ArchiveRecord): Promise<void> => this.archive.recordArchive(r);
  listArchives = (operationId: string): Promise<ArchiveRecord[]> => this.archive.listArchives(operationId);
  trackUnitsOfStation = (stationId: string): Promise<string[]> => this.archive.trackUnitsOfStation(stationId);
  dropPurgedFixes: ArchiveStore['dropPurgedFixes'] = (purge, ...batch) => this.archive.dropPurgedFixes(purge, ...batch);
  restoreFixes: ArchiveStore['restoreFixes'] = (fixes) => this.archive.restoreFixes(fixes);
  dropRestoredFixes: ArchiveStore['dropRestoredFixes'] = (s, u, keys) => this.archive.dropRestoredFixes(s, u, keys);
  dropRestoredAlerts: ArchiveStore['dropRestoredAlerts'] = (id, ids) => this.archive.dropRestoredAlerts(id, ids);

  async purgeOperationDocs(
    operationId: string,
    docs: readonly string[],
    purgedAt: number,
    archiveId?: string,
  ): Promise<boolean> {
    if (!(await this.archive.purgeOperationDocs(operationId, docs, purgedAt, archiveId))) return false;
    this.docs.forget(docs);
    return true;
  }
  purgesUnderWay = (): Promise<PurgeUnderWay[]> => this.archive.purgesUnderWay();
  finishPurge = (operationId: string, archiveId: string): Promise<void> =>
    this.archive.finishPurge(operationId, archiveId);

  async restoreOperation(
    op: Operation,
    docs: readonly RestoredDoc[],
    hold: { keptBy: string; keptAt: number },
    stations: readonly Station[] = [],
  ): Promise<void> {
    // Replay checkpoints of the restored logs, stored with them (docs/replay.md, Stored checkpoints).
    await this.archive.restoreOperation(op, docs, hold, stations, await checkpointsOfRestore(docs));
    this.docs.forget(docs.map((d) => d.doc));
  }
}
