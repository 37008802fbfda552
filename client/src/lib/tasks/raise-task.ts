import {
  checkEntry,
  type Annotation,
  type DocKind,
  type PointGeometry,
  type PolygonGeometry,
  type Task,
  type TaskPriority,
  type ValidationIssue,
} from '@jointmap/shared';
import { circleRing, round, type Position } from '../map/geometry.ts';

/** Where a task is: a point (`location`) or an area (`area`). WGS-84. */
export type TaskGeometry = PointGeometry | PolygonGeometry;

/** What the raise form collects. */
export interface RaiseInput {
  title: string;
  description: string;
  priority: TaskPriority;
  nonPolice: boolean;
  targetStations: string[];
  geometry: TaskGeometry;
}

/**
 * Why a task cannot be raised: a missing title, no target, or what the shared check says (its
 * English sentence, and its issues as structure for `validationText`).
 */
export type RaiseProblem =
  { kind: 'title' } | { kind: 'targets' } | { kind: 'invalid'; problem: string; issues: ValidationIssue[] };

/** Used when the server does not (yet) send `dispatch.targetRadiusM`: the server's own default. */
export { DEFAULT_TARGET_RADIUS_M } from '@jointmap/shared';

export const TASK_PRIORITIES: readonly TaskPriority[] = ['low', 'normal', 'high', 'urgent'];

/** A point task at a clicked position. */
export function pointGeometry(p: Position): PointGeometry {
  return { type: 'Point', coordinates: [round(p[0]), round(p[1])] };
}

/**
 * The geometry of a task raised from an annotation (从标绘发起任务): points and texts give a
 * location, polygons and circles an area; lines give nothing (a task is a place or an area).
 */
export function geometryFromAnnotation(a: Pick<Annotation, 'kind' | 'geometry' | 'radiusM'>): TaskGeometry | null {
  const g = a.geometry;
  if ((a.kind === 'point' || a.kind === 'text') && g.type === 'Point')
    return pointGeometry([g.coordinates[0], g.coordinates[1]]);
  if (a.kind === 'polygon' && g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates };
  if (a.kind === 'circle' && g.type === 'Point' && a.radiusM)
    return { type: 'Polygon', coordinates: [circleRing([g.coordinates[0], g.coordinates[1]], a.radiusM)] };
  return null;
}

/**
 * Station jurisdictions as `defaultTargetStations` wants them, from the operation's
 * `jurisdictions.geojson` (each feature carries its `stationId`).
 */
export function jurisdictionsOf(
  fc: GeoJSON.FeatureCollection,
): Array<{ stationId: string; area: GeoJSON.Polygon | GeoJSON.MultiPolygon }> {
  const out: Array<{ stationId: string; area: GeoJSON.Polygon | GeoJSON.MultiPolygon }> = [];
  for (const f of fc.features) {
    const stationId = f.properties?.stationId;
    const g = f.geometry;
    if (typeof stationId === 'string' && g && (g.type === 'Polygon' || g.type === 'MultiPolygon'))
      out.push({ stationId, area: g });
  }
  return out;
}

/** The task record for `input`, raised by `stationId` (`command` for a commander). */
export function buildTask(
  input: RaiseInput,
  ids: { id: string; stationId: string; userId: string; now: number },
): Task {
  return {
    id: ids.id,
    stationId: ids.stationId,
    title: input.title.trim(),
    description: input.description.trim(),
    location: input.geometry.type === 'Point' ? input.geometry : null,
    area: input.geometry.type === 'Polygon' ? input.geometry : null,
    priority: input.priority,
    targetStations: input.targetStations.filter((s) => s !== ids.stationId),
    state: 'open',
    nonPolice: input.nonPolice,
    createdBy: ids.userId,
    createdAt: ids.now,
    updatedAt: ids.now,
  };
}

/** What stops `task` from being written into a document of `docKind`, or null. */
export function raiseProblem(task: Task, docKind: DocKind): RaiseProblem | null {
  if (task.title === '') return { kind: 'title' };
  if (task.targetStations.length === 0) return { kind: 'targets' };
  const problem = checkEntry(docKind, 'tasks', task.id, task);
  return problem ? { kind: 'invalid', problem: problem.message, issues: problem.issues } : null;
}
