import type { MultiPolygon, Polygon } from 'geojson';
import type { OperationKind, OperationStatus, Role } from '@jointmap/shared';

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

/** The append-only update log of Yjs documents, plus snapshots that keep loading fast. */
export interface DocStore {
  loadDoc(doc: string): Promise<StoredDoc>;
  /** Durable when the promise resolves. Returns the update's sequence number. */
  appendUpdate(doc: string, update: Uint8Array, author: UpdateAuthor): Promise<number>;
  saveSnapshot(doc: string, seq: number, state: Uint8Array): Promise<void>;
}

/** One entry of a document's update log, with who wrote it and when. */
export interface LoggedUpdate {
  seq: number;
  update: Uint8Array;
  sessionId: string | null;
  /** null: the server's own write. */
  userId: string | null;
  /** When the update was stored (epoch ms, server clock). */
  time: number;
}

/** The full update log (history); snapshots never delete updates, so it always starts at seq 1. */
export interface UpdateLogStore {
  /** Every update of a document, oldest first (empty when the document was never written). */
  readUpdateLog(doc: string): Promise<LoggedUpdate[]>;
}

export interface AccountStore {
  upsertStation(station: Station): Promise<void>;
  listStations(): Promise<Station[]>;
  getStation(id: string): Promise<Station | null>;
  upsertAccount(account: Account): Promise<void>;
  getAccountByUsername(username: string): Promise<Account | null>;
  getAccount(id: string): Promise<Account | null>;
  countAccounts(): Promise<number>;
}

export interface OperationStore {
  createOperation(op: Operation): Promise<void>;
  getOperation(id: string): Promise<Operation | null>;
  listOperations(): Promise<Operation[]>;
}

export interface DeviceStore {
  upsertDevice(device: Device): Promise<void>;
  getDevice(id: string): Promise<Device | null>;
  listDevices(stationId?: string): Promise<Device[]>;
  /** Trackers registered to a unit. */
  devicesOfUnit(unitId: string): Promise<Device[]>;
}

/** Everything the server persists. SQLite is the embedded default; PostgreSQL comes for scale-out. */
export interface Storage extends DocStore, UpdateLogStore, AccountStore, OperationStore, DeviceStore, PositionStore {
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

/** Latest position per unit plus the full track, indexed by unit and time. */
export interface PositionStore {
  /**
   * Append fixes to the track (a fix already stored for the same unit, time and device is kept
   * once) and advance each unit's latest position only when a fix is newer than it. All or
   * nothing; durable when the promise resolves.
   */
  appendPositions(fixes: readonly PositionFix[]): Promise<void>;
  /** Latest position of every unit that ever reported. */
  latestPositions(): Promise<PositionFix[]>;
  latestPosition(unitId: string): Promise<PositionFix | null>;
  /** Fixes of a unit with `from <= time <= to`, oldest first, at most `limit`. */
  track(unitId: string, from: number, to: number, limit: number): Promise<PositionFix[]>;
}
