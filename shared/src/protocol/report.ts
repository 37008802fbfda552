import type { MultiPolygon, Polygon } from 'geojson';
import type { Annotation } from '../schema/annotation.ts';
import type { ResponseStatus } from '../schema/task-response.ts';
import type { UnitStatus } from '../schema/unit.ts';
import type { TaskStatus } from '../task/task-status.ts';

/** A task as the after-action report tells it, from the operation's update logs. */
export interface ReportTask {
  id: string;
  stationId: string;
  title: string;
  priority: string;
  raisedAt: number;
  raisedBy: string | null;
  /**
   * When the task last became ended (its derived status, `deriveTaskStatus`, turned resolved or
   * cancelled) and stayed so to the end of the logs: a task reopened and closed again ended at the
   * final close; one resolved by its target and later closed by its raiser ended when resolved.
   * Null while it has not ended.
   */
  endedAt: number | null;
  /** The raising station's own `state` at the end (open, closed, cancelled). */
  finalState: string;
  /** The derived status at the end, answers included: resolved or cancelled once it has ended. */
  status: TaskStatus;
  /** Per answering station: the first time each answer status was reached, and the time to a first answer. */
  answers: Array<{ stationId: string; times: Partial<Record<ResponseStatus, number>>; firstAnswerMs: number | null }>;
}

/** `GET /api/operations/:id/report`: the after-action report (server/src/report/report-service.ts). */
export interface OperationReport {
  operation: { id: string; name: string; kind: string; status: string; stations: string[]; from: number; to: number };
  generatedAt: number;
  stations: Array<{ id: string; name: string; shortName: string }>;
  tasks: ReportTask[];
  /** Per answering station: how many tasks it answered and its median time to a first answer, to acceptance, to the scene. */
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
    timeByStatus: Partial<Record<UnitStatus, number>>;
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
  /** Who changed the operation's documents: updates per person, first and last. */
  changes: Array<{ userId: string | null; name: string | null; updates: number; first: number; last: number }>;
}

type Position = [number, number];

/**
 * `GET /api/operations/:id/report/map`: the picture at the end of an operation, for the report's
 * map (drawn by the console as SVG; server/src/report/report-map.ts).
 */
export interface ReportMapData {
  /** West, south, east, north of what is drawn; null when there is nothing to draw. */
  bbox: [number, number, number, number] | null;
  jurisdictions: Array<{ stationId: string; shortName: string; color: string; geometry: Polygon | MultiPolygon }>;
  sectors: Array<{ id: string; name: string; status: string; polygon: Polygon }>;
  tasks: Array<{ id: string; stationId: string; title: string; state: string; point: Position }>;
  annotations: Array<{ id: string; kind: string; label: string; color: string; geometry: Annotation['geometry'] }>;
  /**
   * One line per tracker of every unit the report lists (removed ones too): a unit may carry
   * several (a car's tracker, a phone), and one line through all their fixes would zigzag.
   */
  tracks: Array<{
    stationId: string;
    unitId: string;
    deviceId: string;
    callsign: string;
    color: string;
    coordinates: Position[];
  }>;
}
