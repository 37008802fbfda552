import type { UnitPosition } from './live.ts';

/** What a replay event is (server/src/replay/replay-events.ts makes them). */
export type ReplayEventKind =
  | 'task_raised'
  | 'task_answered'
  | 'task_closed'
  | 'unit_dispatched'
  | 'alert'
  | 'search_started'
  | 'search_closed'
  | 'search_resumed';

/** A moment worth jumping to in a replay: what happened, when, to what, and who did it. */
export interface ReplayEvent {
  time: number;
  kind: ReplayEventKind;
  /** Station (or `command`) the event belongs to: the raising, answering or unit's station. */
  stationId: string;
  /** Account that wrote it (null: the server, or an alert). */
  userId: string | null;
  /** Task title, unit callsign, search name or alert rule name. */
  title: string;
  /** New status: answer status, task state, unit status, search status, alert kind. */
  status: string | null;
  taskId?: string;
  taskStationId?: string;
  unitId?: string;
  searchId?: string;
}

/** One document at a moment: its records as JSON, or its encoded Yjs state (base64). */
export interface ReplayDocState {
  scope: string;
  /** Updates of the document stored at or before the moment. */
  updates: number;
  /** Each top-level map by name, keyed by record id (format `json`). */
  json?: Record<string, Record<string, unknown>>;
  /** `Y.encodeStateAsUpdate`, base64 (format `yjs`). */
  state?: string;
}

/** `GET /api/operations/:id/replay/state?at=`: the operation's documents at a moment. */
export interface ReplayState {
  operationId: string;
  at: number;
  docs: ReplayDocState[];
}

/** `GET /api/operations/:id/replay/events`: the slider's range and the events to jump to. */
export interface ReplayTimeline {
  operationId: string;
  /** Where the slider runs: from the operation's creation to its close (or now). */
  from: number;
  to: number;
  updates: number;
  events: ReplayEvent[];
}

/** `GET /api/operations/:id/replay/positions?at=`: each unit's newest fix at or before the moment. */
export interface ReplayPositionsBody {
  operationId: string;
  at: number;
  /** Freshness thresholds of this server, to grade each fix against the moment. */
  thresholds: { staleAfterMs: number; lostAfterMs: number };
  /** Newest fix at or before the moment of each unit of the operation's stations that has one. */
  positions: UnitPosition[];
}
