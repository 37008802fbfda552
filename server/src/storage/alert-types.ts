/**
 * The alert store (`AlertStore`, part of `Storage`): its interface and list filter, implemented by
 * sqlite-alerts.ts and pg-alerts.ts.
 */
import type { Alert, AlertKind, AlertState } from '@jointmap/shared';

/** Which alerts of an operation a list returns (newest first by alert time, then by id). */
export interface AlertFilter {
  states?: readonly AlertState[];
  kind?: AlertKind;
  stationId?: string;
  /** Only this unit's alerts (with `stationId`: the unit of that station). */
  unitId?: string;
  /** Only alerts stored (`raisedAt`) at or before this time (epoch ms): what a replayed moment knew. */
  raisedUntil?: number;
  /**
   * Only alerts after this one in the list's order (older, or as old with a greater id): the next
   * page after a page that ended with it.
   */
  after?: AlertCursor;
  limit: number;
}

/** Where a page of an alert list ended (its last alert's `time` and `id`). */
export interface AlertCursor {
  time: number;
  id: string;
}

/** Alerts raised by the alert engine; an alert's id is deterministic, so inserting it twice keeps one. */
export interface AlertStore {
  /** Store a new alert; false (and nothing written) when one with its id exists. Durable when it resolves. */
  insertAlert(alert: Alert): Promise<boolean>;
  getAlert(operationId: string, id: string): Promise<Alert | null>;
  listAlerts(operationId: string, filter: AlertFilter): Promise<Alert[]>;
  /**
   * Write `alert` (its new state and who/when) only while the stored one is still in `expected`
   * state: false, and nothing written, when another request changed it first.
   */
  updateAlertIf(alert: Alert, expected: AlertState): Promise<boolean>;
  /**
   * Record on an SOS alert that its press ended at `endedAt` (`evidence.pressEndedAt`), unless one
   * is recorded already; nothing when there is no such alert.
   */
  endSosPress(operationId: string, id: string, endedAt: number): Promise<void>;
}
