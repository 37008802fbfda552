import type { MultiPolygon, Polygon } from 'geojson';
import type { OperationKind, OperationStatus, Role } from '@jointmap/shared';
import type { AlertStore } from './alert-types.ts';
import type { UpdateLogStore } from './update-log-types.ts';
import type { ArchiveStore, RetentionStore } from './retention-types.ts';

export interface Station {
  id: string;
  name: string;
  shortName: string;
  adcode: string | null;
  color: string;
  /** WGS-84 area of responsibility. */
  jurisdiction: Polygon | MultiPolygon | null;
}

export interface Account {
  id: string;
  username: string;
  name: string;
  role: Role;
  stationId: string | null;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
}

export interface Operation {
  id: string;
  name: string;
  kind: OperationKind;
  status: OperationStatus;
  stations: string[];
  createdBy: string;
  createdAt: number;
  /** When a commander closed it (then its documents are read-only); null while active. */
  closedAt?: number | null;
  /** When its documents and tracks were purged after a verified archive; null otherwise. */
  purgedAt?: number | null;
  /** When it was restored here from an archive (read-only); null for operations made here. */
  restoredAt?: number | null;
}

export interface Device {
  id: string;
  stationId: string;
  unitId: string | null;
  label: string;
  createdAt: number;
}

export interface StoredDoc {
  snapshot: Uint8Array | null;
  /** Sequence number the snapshot covers (0 when none). */
  snapshotSeq: number;
  /** Updates after the snapshot, in order. */
  updates: Uint8Array[];
  lastSeq: number;
}

export interface UpdateAuthor {
  sessionId: string | null;
  userId: string | null;
}

/** How a document is loaded (see {@link DocStore.loadDoc}). */
export interface LoadDocOptions {
  /**
   * The caller is the document's room: it keeps the loaded state, adds its own and relayed
   * updates and saves snapshots of it. A store may track the document from this load on (the
   * PostgreSQL one does, pg-docs.ts); any other read (an export, a report) leaves that alone.
   */
  room?: boolean;
}

/** The append-only update log of Yjs documents, plus snapshots that keep loading fast. */
export interface DocStore {
  loadDoc(doc: string, options?: LoadDocOptions): Promise<StoredDoc>;
  /** Durable when the promise resolves. Returns the update's sequence number. */
  appendUpdate(doc: string, update: Uint8Array, author: UpdateAuthor): Promise<number>;
  saveSnapshot(doc: string, seq: number, state: Uint8Array): Promise<void>;
  /**
   * Append several updates in one transaction (group commit), each with the next sequence number
   * of its document, in order; all durable when the promise resolves, none written when it
   * rejects. Returns their sequence numbers. Optional: without it, updates are appended one by one.
   */
  appendUpdates?(batch: readonly DocUpdateWrite[]): Promise<number[]>;
}

export type { LoggedUpdate, ReplayCheckpoint, UpdateLogSpan, UpdateLogStore } from './update-log-types.ts';
export type { AlertCursor, AlertFilter, AlertStore } from './alert-types.ts';
export type { RestoreMark } from './restore-marks.ts';
export type {
  ArchiveRecord,
  ArchiveStore,
  FixKey,
  OperationHold,
  PurgeUnderWay,
  RestoredDoc,
  RetentionStore,
  TrackUnit,
  UnitFixKey,
} from './retention-types.ts';

/** Stations, accounts and devices written together (an accounts file). */
export interface AccountsBatch {
  stations: readonly Station[];
  /** Every account of the file: an account an earlier batch wrote and this one lacks is disabled. */
  accounts: readonly Account[];
  devices: readonly Device[];
}

/** What {@link AccountStore.applyAccounts} did beyond the upserts. */
export interface AccountsApplied {
  /** User names (sorted) of accounts an earlier batch wrote, missing from this one: now disabled. */
  retired: string[];
}

export interface AccountStore {
  /**
   * Upsert stations, then accounts, then devices in one transaction: all of them or none. The
   * batch's accounts are marked as the accounts file's; accounts marked by an earlier batch that
   * this one does not list are disabled (ending their sessions) and unmarked. Accounts written
   * only by {@link AccountStore.upsertAccount} (the demo seed) are never marked, so never
   * disabled here.
   */
  applyAccounts(batch: AccountsBatch): Promise<AccountsApplied>;
  upsertStation(station: Station): Promise<void>;
  listStations(): Promise<Station[]>;
  getStation(id: string): Promise<Station | null>;
  upsertAccount(account: Account): Promise<void>;
  getAccountByUsername(username: string): Promise<Account | null>;
  getAccount(id: string): Promise<Account | null>;
  countAccounts(): Promise<number>;
}

/** An update appended to a document's log as part of a larger write. */
export interface DocUpdateWrite {
  doc: string;
  update: Uint8Array;
  author: UpdateAuthor;
}

export interface OperationStore {
  /**
   * Insert an operation and, in the same transaction, append the first update of its command
   * document (the operation meta): both are stored or neither is, so a failed write never leaves
   * an operation without its meta.
   */
  createOperation(op: Operation, commandDoc?: DocUpdateWrite): Promise<void>;
  getOperation(id: string): Promise<Operation | null>;
  listOperations(): Promise<Operation[]>;
}

export interface DeviceStore {
  upsertDevice(device: Device): Promise<void>;
  /**
   * Write a registration only if the device is still where the caller saw it: absent
   * (`expectedStationId` null) or registered to `expectedStationId`. False, and nothing written,
   * when another registration got there first (two stations claiming one new tracker id at once).
   */
  putDeviceIf(device: Device, expectedStationId: string | null): Promise<boolean>;
  getDevice(id: string): Promise<Device | null>;
  listDevices(stationId?: string): Promise<Device[]>;
  /** Trackers registered to a unit. */
  devicesOfUnit(unitId: string): Promise<Device[]>;
}

/** Everything the server persists. SQLite is the embedded default; PostgreSQL comes for scale-out. */
export interface Storage
  extends
    DocStore,
    UpdateLogStore,
    AccountStore,
    SessionStore,
    OperationStore,
    DeviceStore,
    PositionStore,
    AlertStore,
    RetentionStore,
    ArchiveStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Throws when the backing store is unreachable. */
  ping(): Promise<void>;
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** One accepted position fix of a unit (WGS-84; SI units). */
export interface PositionFix {
  unitId: string;
  stationId: string;
  deviceId: string;
  /** Fix time from the device, epoch ms. */
  time: number;
  lng: number;
  lat: number;
  /** m/s */
  speed: number | null;
  /** degrees clockwise from north */
  bearing: number | null;
  /** metres */
  altitude: number | null;
  /** horizontal accuracy, metres */
  accuracy: number | null;
  /** percent */
  battery: number | null;
  alarm: string | null;
  /** Server clock when accepted, epoch ms. */
  receivedAt: number;
}

/**
 * Latest position per unit plus the full track, indexed by unit and time. A unit is its station and
 * its id together (ids are unique per station only): two stations' `car-01` never share a row.
 */
export interface PositionStore {
  /**
   * Append fixes to the track (a fix already stored for the same unit, time and device is kept
   * once) and advance each unit's latest position only when a fix is newer than it by the rule of
   * `compareFixes` (shared/src/live/newest.ts). All or nothing; durable when the promise resolves.
   */
  appendPositions(fixes: readonly PositionFix[]): Promise<void>;
  /** Latest position of every unit that ever reported. */
  latestPositions(): Promise<PositionFix[]>;
  latestPosition(stationId: string, unitId: string): Promise<PositionFix | null>;
  /** Fixes of a unit with `from <= time <= to`, oldest first (ties: device id), at most `limit`. */
  track(stationId: string, unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]>;
}

/** Why a login session ended: signed out, or its account was disabled, removed or given another role or station. */
export type SessionEndReason = 'logout' | 'account_changed';

/** A login session: what a bearer token's `sid` names. Times are epoch ms. */
export interface LoginSession {
  id: string;
  accountId: string;
  createdAt: number;
  /** Extended when the token is renewed. */
  expiresAt: number;
  endedAt: number | null;
  endReason: SessionEndReason | null;
}

/** One entry of the feed of ended sessions, in commit order. */
export interface SessionEnd {
  seq: number;
  sessionId: string;
  accountId: string;
  reason: SessionEndReason;
  /** When the session would have expired: after that its tokens are refused anyway. */
  expiresAt: number;
}

/**
 * Login sessions, so that a token can be revoked before it expires.
 *
 * Transaction semantics every backend must keep: any write that changes an account's `disabled`,
 * `role`, `stationId` or `passwordHash`, or removes the account (`upsertAccount`,
 * `applyAccounts`, SQL run by hand), ends all of that account's open sessions with reason
 * `account_changed` in the same transaction; and every session that ends, whatever the reason, appears exactly once in the
 * feed read by {@link SessionStore.sessionEndsAfter}, in commit order. SQLite does both with
 * triggers; PostgreSQL can use the same triggers plus `NOTIFY` (see docs/decisions.md).
 */
export interface SessionStore {
  createSession(session: Omit<LoginSession, 'endedAt' | 'endReason'>): Promise<void>;
  getSession(id: string): Promise<LoginSession | null>;
  /** Extend an open session to `expiresAt` (token renewal; never shortens it); false when it has ended or expired by `now`. */
  renewSession(id: string, expiresAt: number, now: number): Promise<boolean>;
  /** End an open session; false when it had already ended (or never existed). */
  endSession(id: string, reason: SessionEndReason, now: number): Promise<boolean>;
  /** Sessions ended after feed position `seq`, oldest first, at most `limit`. */
  sessionEndsAfter(seq: number, limit: number): Promise<SessionEnd[]>;
  /** The feed's newest position (0 when empty): where an instance that just started reads from. */
  lastSessionEndSeq(): Promise<number>;
  /** Forget sessions (and feed entries) that expired before `before`: their tokens are refused anyway. */
  pruneSessions(before: number): Promise<void>;
}
