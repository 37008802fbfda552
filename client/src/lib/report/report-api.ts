import { session } from '../state/session.svelte.ts';

/** `GET /api/operations/:id/report` (server/src/report/report-service.ts). */
export interface OperationReport {
  operation: { id: string; name: string; kind: string; status: string; stations: string[]; from: number; to: number };
  generatedAt: number;
  stations: Array<{ id: string; name: string; shortName: string }>;
  tasks: Array<{
    id: string;
    stationId: string;
    title: string;
    priority: string;
    raisedAt: number;
    raisedBy: string | null;
    endedAt: number | null;
    finalState: string;
    answers: Array<{ stationId: string; times: Record<string, number>; firstAnswerMs: number | null }>;
  }>;
  responseTimes: Array<{
    stationId: string;
    tasks: number;
    medianFirstAnswerMs: number | null;
    medianAcceptMs: number | null;
    medianOnSceneMs: number | null;
  }>;
  units: Array<{
    stationId: string;
    unitId: string;
    callsign: string;
    distanceM: number;
    fixes: number;
    timeByStatus: Record<string, number>;
  }>;
  alerts: Array<{
    id: string;
    kind: string;
    stationId: string;
    unitId: string;
    ruleName: string;
    time: number;
    state: string;
    acknowledgedBy: string | null;
    ackDelayMs: number | null;
  }>;
  sectors: Array<{
    id: string;
    name: string;
    status: string;
    assignedStationId: string | null;
    assignedUnitIds: string[];
  }>;
  changes: Array<{ userId: string | null; name: string | null; updates: number; first: number; last: number }>;
}

/** `GET /api/operations/:id/report/map` (server/src/report/report-map.ts). */
export interface ReportMapData {
  bbox: [number, number, number, number] | null;
  jurisdictions: Array<{
    stationId: string;
    shortName: string;
    color: string;
    geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
  }>;
  sectors: Array<{ id: string; name: string; status: string; polygon: { type: 'Polygon'; coordinates: number[][][] } }>;
  tasks: Array<{ id: string; stationId: string; title: string; state: string; point: [number, number] }>;
  annotations: Array<{
    id: string;
    kind: string;
    label: string;
    color: string;
    geometry:
      | { type: 'Point'; coordinates: number[] }
      | { type: 'LineString'; coordinates: number[][] }
      | { type: 'Polygon'; coordinates: number[][][] };
  }>;
  tracks: Array<{
    stationId: string;
    unitId: string;
    callsign: string;
    color: string;
    coordinates: [number, number][];
  }>;
}

export const loadReportMap = (operationId: string) =>
  session.get<ReportMapData>(`/api/operations/${encodeURIComponent(operationId)}/report/map`);

export const loadReport = (operationId: string) =>
  session.get<OperationReport>(`/api/operations/${encodeURIComponent(operationId)}/report`);

/** 1 h 05 min / 12 min 30 s / 45 s / — */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
