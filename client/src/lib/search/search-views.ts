import { inCurrentSplit, type Annotation, type Search, type Sector, type Task } from '@jointmap/shared';
import { circleRing } from '../map/geometry.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { serverNow } from '../state/server-clock.ts';
import { compareSectorNames } from './sector-features.ts';

/** The search of a task: the active one if any, else the newest (a task has one search). */
export function searchOfTask(searches: readonly Search[], task: Pick<Task, 'id' | 'stationId'>): Search | null {
  let best: Search | null = null;
  for (const s of searches) {
    if (s.taskId !== task.id || s.taskStationId !== task.stationId) continue;
    if (
      !best ||
      (s.status === 'active') > (best.status === 'active') ||
      ((s.status === 'active') === (best.status === 'active') && s.createdAt > best.createdAt)
    )
      best = s;
  }
  return best;
}

/**
 * A search's sectors in radio order (A1, A2 … A10, B1): those naming it, of its current split (a
 * concurrent creation's other split is left out, see `inCurrentSplit`).
 */
export function sectorsOfSearch(sectors: readonly Sector[], search: Pick<Search, 'id' | 'splitId'>): Sector[] {
  return sectors
    .filter((s) => s.searchId === search.id && inCurrentSplit(s, search))
    .sort((a, b) => compareSectorNames(a.name, b.name));
}

/**
 * The map frame of the searches running now: the bounding box of every active search area, widened
 * by `margin` of its size on each side; null when no search runs. The wall fits it so that the
 * sectors and their labels are readable.
 */
export function activeSearchBounds(
  searches: readonly Search[],
  margin = 0.25,
): [number, number, number, number] | null {
  let b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const s of searches) {
    if (s.status !== 'active') continue;
    for (const [x, y] of s.area.coordinates[0] ?? [])
      b = [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
  }
  if (!Number.isFinite(b[0])) return null;
  const dx = (b[2] - b[0]) * margin;
  const dy = (b[3] - b[1]) * margin;
  return [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy];
}

/** A drawn polygon or circle that could serve as a search area. */
export interface AreaCandidate {
  key: string;
  label: string;
  polygon: GeoJSON.Polygon;
  updatedAt: number;
}

/** The area a polygon or circle annotation covers (a circle as a polygon ring); null for others. */
export function annotationArea(a: Annotation): GeoJSON.Polygon | null {
  if (a.kind === 'polygon' && a.geometry.type === 'Polygon') return a.geometry as GeoJSON.Polygon;
  if (a.kind === 'circle' && a.geometry.type === 'Point' && a.radiusM) {
    return {
      type: 'Polygon',
      coordinates: [circleRing([a.geometry.coordinates[0], a.geometry.coordinates[1]], a.radiusM)],
    };
  }
  return null;
}

/**
 * Polygons and circles already drawn in any document, newest first, keyed `<scope>/<id>` and
 * labelled by `label`.
 */
export function areaCandidates(
  docs: Iterable<{ scope: string; annotations: Iterable<Annotation> }>,
  label: (a: Annotation, scope: string) => string,
): AreaCandidate[] {
  const out: AreaCandidate[] = [];
  for (const d of docs) {
    for (const a of d.annotations) {
      const polygon = annotationArea(a);
      if (polygon) out.push({ key: `${d.scope}/${a.id}`, label: label(a, d.scope), polygon, updatedAt: a.updatedAt });
    }
  }
  return out.sort((x, y) => y.updatedAt - x.updatedAt);
}

/**
 * Drawing the search area with the polygon tool, started now: whether a record is the polygon
 * drawn since. The start is read on the clock records are stamped with (the server's, as the live
 * layer estimates it), not this PC's: against a PC clock running ahead by more than the drawing
 * took, the new polygon would look older than the start and never become the area.
 */
export function drawingSince(
  session: Pick<OperationSession, 'live'>,
): (record: Pick<Annotation, 'kind' | 'createdAt'> | undefined) => boolean {
  const startedAt = serverNow(session);
  return (record) => record?.kind === 'polygon' && record.createdAt >= startedAt;
}
