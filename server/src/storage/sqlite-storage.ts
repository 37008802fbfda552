import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Account, AccountsApplied, AccountsBatch, Device, DocUpdateWrite, LoggedUpdate } from './types.ts';
import type { Operation, PositionFix, Station, Storage, StoredDoc, UpdateAuthor } from './types.ts';
import { SQLITE_MIGRATIONS } from './sqlite-schema.ts';
import { SqliteCheckpointer, type CheckpointerOptions } from './sqlite-checkpointer.ts';
import { SqliteUpdateLogStore } from './sqlite-update-log.ts';
import { SqliteSessionStore } from './sqlite-sessions.ts';
import { SqliteDirectoryStore } from './sqlite-directory.ts';
import { SqliteAlertStore } from './sqlite-alerts.ts';
import { SqliteRetentionStore } from './sqlite-retention.ts';
import { SqliteArchiveStore } from './sqlite-archive.ts';
import { SqlitePositionStore } from './sqlite-positions.ts';
import type { AlertFilter, ArchiveStore, LoginSession, PurgeUnderWay, ReplayCheckpoint, SessionEnd } from './types.ts';
import type { ArchiveRecord, FixKey, OperationHold, RestoreMark, RestoredDoc, SessionEndReason } from './types.ts';
import { checkpointsOfRestore } from './log-checkpoints.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { Alert, AlertState } from '@jointmap/shared';

/** SQLite `synchronous` level: `normal` survives a process crash, `full` also a power loss. */
export type SqliteSynchronous = 'normal' | 'full';

export interface SqliteStorageOptions {
  /** Default `normal` (see docs/decisions.md, "Durability" and "Power loss"). */
  synchronous?: SqliteSynchronous;
  /** Same as `synchronous: 'full'` (older name). */
  fsync?: boolean;
  /** The WAL checkpointer's periods and restart limit in frames (tests; see sqlite-checkpointer.ts). */
  checkpoint?: CheckpointerOptions;
}

/**
 * Embedded storage: one SQLite file in WAL mode. better-sqlite3 is synchronous, so an append has
 * reached the WAL when `appendUpdate` returns; with `synchronous=NORMAL` that survives a process
 * crash (SIGKILL), and `synchronous=FULL` (option `synchronous: 'full'`, setting
 * `SQLITE_SYNCHRONOUS=full`) also survives power loss: every commit waits for an fsync of the WAL.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly stmts;
  private readonly nextSeq = new Map<string, number>();
  private readonly createOperationTx: (op: Operation, commandDoc: DocUpdateWrite | undefined) => number | null;
  private readonly appendUpdatesTx: (batch: readonly DocUpdateWrite[]) => number[];
  private readonly checkpointer: SqliteCheckpointer;
  private readonly sessions: SqliteSessionStore;
  private readonly directory: SqliteDirectoryStore;
  private readonly alerts: SqliteAlertStore;
  private readonly retention: SqliteRetentionStore;
  private readonly archive: SqliteArchiveStore;
  private readonly updateLog: SqliteUpdateLogStore;
  private readonly positions: SqlitePositionStore;
  /** Lets go of the data directory (data-dir-lock.ts): one server process per DATA_DIR. */
  private readonly unlock: () => void;

  constructor(dataDir: string, options: SqliteStorageOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    // Before anything is read or written: a second server on the directory is refused here.
    this.unlock = lockDataDir(dataDir);
    const file = join(dataDir, 'jointmap.sqlite');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    const full = options.synchronous === 'full' || (options.synchronous === undefined && options.fsync === true);
    this.db.pragma(`synchronous = ${full ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.sessions = new SqliteSessionStore(this.db);
    this.alerts = new SqliteAlertStore(this.db);
    this.retention = new SqliteRetentionStore(this.db);
    this.archive = new SqliteArchiveStore(this.db);
    this.updateLog = new SqliteUpdateLogStore(this.db);
    this.positions = new SqlitePositionStore(this.db);
    // Checkpoints and their syncs wait for no disk on the main thread (see sqlite-checkpointer.ts);
    // back to automatic if that fails.
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
    this.checkpointer = new SqliteCheckpointer(
      file,
      (error) => {
        // On stderr, where an operator looks when the disk misbehaves (the storage has no logger).
        process.emitWarning(
          `SQLite checkpointer stopped, SQLite's own checkpoints take over: ${error instanceof Error ? error.message : String(error)}`,
          'JointMapStorageWarning',
        );
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      },
      options.checkpoint,
    );
    const db = this.db;
    this.directory = new SqliteDirectoryStore(db);
    this.stmts = {
      lastSeq: db.prepare('SELECT MAX(seq) AS seq FROM doc_updates WHERE doc = ?'),
      append: db.prepare(
        'INSERT INTO doc_updates (doc, seq, update_bytes, session_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      snapshot: db.prepare('SELECT seq, state FROM doc_snapshots WHERE doc = ?'),
      updatesAfter: db.prepare('SELECT seq, update_bytes FROM doc_updates WHERE doc = ? AND seq > ? ORDER BY seq'),
      saveSnapshot: db.prepare(
        `INSERT INTO doc_snapshots (doc, seq, state, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (doc) DO UPDATE SET seq = excluded.seq, state = excluded.state, created_at = excluded.created_at
         WHERE excluded.seq > doc_snapshots.seq`,
      ),
    };
    this.createOperationTx = db.transaction((op: Operation, commandDoc: DocUpdateWrite | undefined) => {
      this.directory.insertOperation(op);
      return commandDoc ? this.insertUpdate(commandDoc.doc, commandDoc.update, commandDoc.author) : null;
    });
    this.appendUpdatesTx = db.transaction((batch: readonly DocUpdateWrite[]) => {
      const next = new Map<string, number>();
      const seqs: number[] = [];
      for (const { doc, update, author } of batch) {
        const seq = next.get(doc) ?? this.nextSeq.get(doc) ?? this.lastSeq(doc) + 1;
        this.stmts.append.run(doc, seq, update, author.sessionId, author.userId, Date.now());
        next.set(doc, seq + 1);
        seqs.push(seq);
      }
      return seqs;
    });
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = current; i < SQLITE_MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(SQLITE_MIGRATIONS[i]!);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.checkpointer.stop(() => {
      if (this.db.open) this.db.close();
    });
    this.unlock();
  }

  async loadDoc(doc: string): Promise<StoredDoc> {
    const snap = this.stmts.snapshot.get(doc) as { seq: number; state: Buffer } | undefined;
    const snapshotSeq = snap?.seq ?? 0;
    const rows = this.stmts.updatesAfter.all(doc, snapshotSeq) as { seq: number; update_bytes: Buffer }[];
    const lastSeq = rows.length ? rows[rows.length - 1]!.seq : snapshotSeq;
    this.nextSeq.set(doc, Math.max(lastSeq, this.lastSeq(doc)) + 1);
    return {
      snapshot: snap ? new Uint8Array(snap.state) : null,
      snapshotSeq,
      updates: rows.map((r) => new Uint8Array(r.update_bytes)),
      lastSeq,
    };
  }

  private lastSeq(doc: string): number {
    return ((this.stmts.lastSeq.get(doc) as { seq: number | null }).seq ?? 0) as number;
  }

  async appendUpdate(doc: string, update: Uint8Array, author: UpdateAuthor): Promise<number> {
    if (this.checkpointer.gate) await this.checkpointer.gate;
    const seq = this.insertUpdate(doc, update, author);
    this.nextSeq.set(doc, seq + 1);
    return seq;
  }

  /** Group commit: every update of `batch` in one transaction (one WAL commit), numbered in order. */
  async appendUpdates(batch: readonly DocUpdateWrite[]): Promise<number[]> {
    if (this.checkpointer.gate) await this.checkpointer.gate;
    const seqs = this.appendUpdatesTx(batch);
    batch.forEach(({ doc }, i) => this.nextSeq.set(doc, seqs[i]! + 1));
    return seqs;
  }

  /** A busy writer's commit once no round that starts the WAL afresh runs (the appends check the gate inline). */
  private async gated<T>(write: () => T | Promise<T>): Promise<T> {
    if (this.checkpointer.gate) await this.checkpointer.gate;
    return write();
  }

  /** Insert the next update of `doc`; the caller advances `nextSeq` once the write has committed. */
  private insertUpdate(doc: string, update: Uint8Array, author: UpdateAuthor): number {
    const seq = this.nextSeq.get(doc) ?? this.lastSeq(doc) + 1;
    this.stmts.append.run(doc, seq, update, author.sessionId, author.userId, Date.now());
    return seq;
  }

  // The update log read back and replay checkpoints (sqlite-update-log.ts).
  readUpdateLog = (doc: string): Promise<LoggedUpdate[]> => this.updateLog.readUpdateLog(doc);
  readUpdateLogRange = (doc: string, afterSeq: number, untilTime: number): Promise<LoggedUpdate[]> =>
    this.updateLog.readUpdateLogRange(doc, afterSeq, untilTime);
  readUpdateLogPage = (doc: string, after: number, n: number, through?: number) =>
    this.updateLog.readUpdateLogPage(doc, after, n, through);
  readUpdateLogSpan = (doc: string, after: number, through: number, limit: number) =>
    this.updateLog.readUpdateLogSpan(doc, after, through, limit);
  readUpdateLogHeads = (docs: readonly string[]) => this.updateLog.readUpdateLogHeads(docs);
  readReplayCheckpoints = (d: string, after: number, n: number) => this.updateLog.readReplayCheckpoints(d, after, n);
  saveReplayCheckpoint = (cp: ReplayCheckpoint): Promise<void> =>
    this.gated(() => this.updateLog.saveReplayCheckpoint(cp));
  readReplayCheckpoint = (doc: string, at: number): Promise<ReplayCheckpoint | null> =>
    this.updateLog.readReplayCheckpoint(doc, at);

  /** Gated as the appends are: a room snapshots every so many of them. */
  saveSnapshot = (doc: string, seq: number, state: Uint8Array): Promise<void> =>
    this.gated(() => void this.stmts.saveSnapshot.run(doc, seq, state, Date.now()));

  // Settings, stations, accounts, devices and the reads of operations (sqlite-directory.ts).
  getSetting = (key: string): Promise<string | null> => this.directory.getSetting(key);
  setSetting = (key: string, value: string): Promise<void> => this.directory.setSetting(key, value);
  applyAccounts = (batch: AccountsBatch): Promise<AccountsApplied> => this.directory.applyAccounts(batch);
  upsertStation = (s: Station): Promise<void> => this.directory.upsertStation(s);
  listStations = (): Promise<Station[]> => this.directory.listStations();
  getStation = (id: string): Promise<Station | null> => this.directory.getStation(id);
  upsertAccount = (a: Account): Promise<void> => this.directory.upsertAccount(a);
  getAccountByUsername = (username: string): Promise<Account | null> => this.directory.getAccountByUsername(username);
  getAccount = (id: string): Promise<Account | null> => this.directory.getAccount(id);
  countAccounts = (): Promise<number> => this.directory.countAccounts();
  getOperation = (id: string): Promise<Operation | null> => this.directory.getOperation(id);
  listOperations = (): Promise<Operation[]> => this.directory.listOperations();
  upsertDevice = (d: Device): Promise<void> => this.directory.upsertDevice(d);
  putDeviceIf = (d: Device, expectedStationId: string | null): Promise<boolean> =>
    this.directory.putDeviceIf(d, expectedStationId);
  getDevice = (id: string): Promise<Device | null> => this.directory.getDevice(id);
  devicesOfUnit = (unitId: string): Promise<Device[]> => this.directory.devicesOfUnit(unitId);
  listDevices = (stationId?: string): Promise<Device[]> => this.directory.listDevices(stationId);

  async createOperation(op: Operation, commandDoc?: DocUpdateWrite): Promise<void> {
    const seq = this.createOperationTx(op, commandDoc);
    if (commandDoc && seq !== null) this.nextSeq.set(commandDoc.doc, seq + 1);
  }

  appendPositions = (fixes: readonly PositionFix[]): Promise<void> => this.gated(() => this.positions.append(fixes));

  // Newest fixes and tracks (sqlite-positions.ts).
  latestPositions = (): Promise<PositionFix[]> => this.positions.latestPositions();
  latestPosition = (stationId: string, unitId: string): Promise<PositionFix | null> =>
    this.positions.latestPosition(stationId, unitId);
  track = (stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]> =>
    this.positions.track(stationId, unitId, from, to, limit);

  // Login sessions (sqlite-sessions.ts).
  createSession = (s: Omit<LoginSession, 'endedAt' | 'endReason'>): Promise<void> => this.sessions.createSession(s);
  getSession = (id: string): Promise<LoginSession | null> => this.sessions.getSession(id);
  renewSession = (id: string, expiresAt: number, now: number): Promise<boolean> =>
    this.sessions.renewSession(id, expiresAt, now);
  endSession = (id: string, reason: SessionEndReason, now: number): Promise<boolean> =>
    this.sessions.endSession(id, reason, now);
  sessionEndsAfter = (seq: number, limit: number): Promise<SessionEnd[]> => this.sessions.sessionEndsAfter(seq, limit);
  lastSessionEndSeq = (): Promise<number> => this.sessions.lastSessionEndSeq();
  pruneSessions = (before: number): Promise<void> => this.sessions.pruneSessions(before);

  // Alerts (sqlite-alerts.ts).
  insertAlert = (alert: Alert): Promise<boolean> => this.alerts.insertAlert(alert);
  getAlert = (operationId: string, id: string): Promise<Alert | null> => this.alerts.getAlert(operationId, id);
  listAlerts = (operationId: string, filter: AlertFilter): Promise<Alert[]> =>
    this.alerts.listAlerts(operationId, filter);
  updateAlertIf = (alert: Alert, expected: AlertState): Promise<boolean> => this.alerts.updateAlertIf(alert, expected);
  endSosPress = (operationId: string, id: string, endedAt: number): Promise<void> =>
    this.alerts.endSosPress(operationId, id, endedAt);

  // Track retention and evidence holds (sqlite-retention.ts).
  trackStations = (): Promise<string[]> => this.retention.trackStations();
  thinnedUntilOfStation = (s: string): Promise<Map<string, number>> => this.retention.thinnedUntilOfStation(s);
  trackPage = (s: string, u: string, from: number, to: number, limit: number): Promise<PositionFix[]> =>
    this.retention.trackPage(s, u, from, to, limit);
  lastFixBefore = (s: string, u: string, t: number) => this.retention.lastFixBefore(s, u, t);
  settle = (): Promise<void> => this.gated(() => undefined);
  thinFixes = (s: string, u: string, remove: readonly FixKey[], until: number): Promise<void> =>
    this.gated(() => this.retention.thinFixes(s, u, remove, until));
  /** WAL restarts behind the gate so far and the largest WAL seen, in frames. */
  walStats = (): { restarts: number; largestLog: number } => ({ ...this.checkpointer.stats });
  dropFixesIn = (s: string, u: string, from: number, to: number, limit: number): Promise<number> =>
    this.gated(() => this.retention.dropFixesIn(s, u, from, to, limit));
  setOperationHold = (id: string, by: string | null, now: number): Promise<boolean> =>
    this.retention.setOperationHold(id, by, now);
  operationHolds = (): Promise<OperationHold[]> => this.retention.operationHolds();
  operationHold = (id: string): Promise<OperationHold | null> => this.retention.operationHold(id);
  markRestore = (mark: RestoreMark, replaces?: RestoreMark | null): Promise<boolean> =>
    this.retention.markRestore(mark, replaces);
  unmarkRestore = (mark: RestoreMark): Promise<void> => this.retention.unmarkRestore(mark);
  restoreMarks = (): Promise<RestoreMark[]> => this.retention.restoreMarks();

  // Closing, archiving, purging and restoring operations (sqlite-archive.ts).
  closeOperation = (id: string, at: number): Promise<boolean> => this.archive.closeOperation(id, at);
  recordArchive = (r: ArchiveRecord): Promise<void> => this.archive.recordArchive(r);
  listArchives = (operationId: string): Promise<ArchiveRecord[]> => this.archive.listArchives(operationId);
  trackUnitsOfStation = (stationId: string): Promise<string[]> => this.archive.trackUnitsOfStation(stationId);
  dropPurgedFixes: ArchiveStore['dropPurgedFixes'] = (purge, ...batch) => this.archive.dropPurgedFixes(purge, ...batch);
  restoreFixes: ArchiveStore['restoreFixes'] = (fixes) => this.archive.restoreFixes(fixes);
  dropRestoredFixes: ArchiveStore['dropRestoredFixes'] = (s, u, keys) => this.archive.dropRestoredFixes(s, u, keys);
  dropRestoredAlerts: ArchiveStore['dropRestoredAlerts'] = (id, ids) => this.archive.dropRestoredAlerts(id, ids);

  async purgeOperationDocs(id: string, docs: readonly string[], at: number, archiveId?: string): Promise<boolean> {
    if (!this.archive.purge(id, docs, at, archiveId)) return false;
    for (const d of docs) this.nextSeq.delete(d);
    return true;
  }
  purgesUnderWay = (): Promise<PurgeUnderWay[]> => this.archive.purgesUnderWay();
  finishPurge = (id: string, archiveId: string): Promise<void> => this.archive.finishPurge(id, archiveId);

  async restoreOperation(
    op: Operation,
    docs: readonly RestoredDoc[],
    hold: { keptBy: string; keptAt: number },
    stations: readonly Station[] = [],
  ): Promise<void> {
    await this.archive.restoreOperation(op, docs, hold, stations, await checkpointsOfRestore(docs));
    for (const d of docs) this.nextSeq.delete(d.doc);
  }
}
