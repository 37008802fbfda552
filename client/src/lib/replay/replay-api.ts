import type { AlertsMessage, CoverageMessage, UnitPosition } from '@jointmap/shared';
import { session } from '../state/session.svelte.ts';

/** `GET /api/operations/:id/replay/state?at=` (server/src/replay/replay-service.ts). */
export interface ReplayState {
  operationId: string;
  at: number;
  docs: Array<{ scope: string; updates: number; json?: Record<string, Record<string, unknown>> }>;
}

export type ReplayEventKind =
  'task_raised' | 'task_answered' | 'task_closed' | 'unit_dispatched' | 'alert' | 'search_started' | 'search_closed';

export interface ReplayEvent {
  time: number;
  kind: ReplayEventKind;
  stationId: string;
  userId: string | null;
  title: string;
  status: string | null;
  taskId?: string;
  taskStationId?: string;
  unitId?: string;
  searchId?: string;
}

/** `GET /api/operations/:id/replay/events`: the slider's range and the events to jump to. */
export interface ReplayTimeline {
  operationId: string;
  from: number;
  to: number;
  updates: number;
  events: ReplayEvent[];
}

/** `GET /api/operations/:id/replay/positions?at=`: each unit's newest fix at or before the moment. */
export interface ReplayPositionsBody {
  operationId: string;
  at: number;
  thresholds: { staleAfterMs: number; lostAfterMs: number };
  positions: UnitPosition[];
}

const base = (operationId: string) => `/api/operations/${encodeURIComponent(operationId)}/replay`;

/** The path of one part of a moment (the replay's fetch worker asks for these). */
export const momentPath = (operationId: string, part: 'state' | 'positions' | 'alerts' | 'coverage', at: number) =>
  `${base(operationId)}/${part}?at=${Math.max(0, Math.round(at))}`;

export const loadTimeline = (operationId: string) => session.get<ReplayTimeline>(`${base(operationId)}/events`);

export const loadState = (operationId: string, at: number) =>
  session.get<ReplayState>(`${base(operationId)}/state?at=${Math.max(0, Math.round(at))}`);

export const loadPositions = (operationId: string, at: number) =>
  session.get<ReplayPositionsBody>(`${base(operationId)}/positions?at=${Math.max(0, Math.round(at))}`);

/** `GET /api/operations/:id/replay/coverage?at=`: search-sector coverage at the moment (a full `live:coverage` message). */
export const loadCoverage = (operationId: string, at: number) =>
  session.get<CoverageMessage>(`${base(operationId)}/coverage?at=${Math.max(0, Math.round(at))}`);

/** `GET /api/operations/:id/replay/alerts?at=`: the alerts raised by the moment, in their state then (a full `live:alerts` message). */
export const loadAlerts = (operationId: string, at: number) =>
  session.get<AlertsMessage>(`${base(operationId)}/alerts?at=${Math.max(0, Math.round(at))}`);
