import type {
  AlertsMessage,
  CoverageMessage,
  ReplayPositionsBody,
  ReplayState,
  ReplayTimeline,
} from '@jointmap/shared';
import { session } from '../state/session.svelte.ts';

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
