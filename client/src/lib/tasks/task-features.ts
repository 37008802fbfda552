import type { RaiseDraft } from './task-desk.svelte.ts';
import { TASK_STATUS_COLORS, taskKey, type TaskView } from './task-views.ts';

/** Properties of one task feature on the map (WGS-84 geometry: the task's location or area). */
export interface TaskFeatureProps {
  /** `<stationId>/<taskId>`, or `draft` for the task being raised. */
  key: string;
  /** The title, shortened for the map. */
  label: string;
  status: string;
  color: string;
  /** Drawn on top of the others when they overlap. */
  rank: number;
}

type TaskFeature = GeoJSON.Feature<GeoJSON.Point | GeoJSON.Polygon, TaskFeatureProps>;

const PRIORITY_RANK: Record<string, number> = { urgent: 3, high: 2, normal: 1, low: 0 };
const LABEL_CHARS = 12;
export const DRAFT_KEY = 'draft';
export const DRAFT_COLOR = '#0f172a';

/** A title short enough for a map label: the first characters and an ellipsis. */
export function mapLabel(title: string): string {
  const chars = [...title];
  return chars.length <= LABEL_CHARS ? title : `${chars.slice(0, LABEL_CHARS - 1).join('')}…`;
}

/**
 * One feature per task, coloured by derived status, labelled with its title; ended tasks rank
 * below open ones. The task being raised (if any) is drawn too, so the user sees where it goes.
 */
export function taskFeatures(
  views: readonly TaskView[],
  draft: Pick<RaiseDraft, 'geometry'> | null = null,
  draftLabel = '',
): GeoJSON.FeatureCollection<GeoJSON.Point | GeoJSON.Polygon, TaskFeatureProps> {
  const features: TaskFeature[] = [];
  for (const v of views) {
    const geometry = v.task.location ?? v.task.area;
    if (!geometry) continue;
    const ended = v.status === 'resolved' || v.status === 'cancelled';
    features.push({
      type: 'Feature',
      geometry,
      properties: {
        key: taskKey(v.task),
        label: mapLabel(v.task.title),
        status: v.status,
        color: TASK_STATUS_COLORS[v.status],
        rank: (ended ? 0 : 10) + (PRIORITY_RANK[v.task.priority] ?? 0),
      },
    });
  }
  if (draft)
    features.push({
      type: 'Feature',
      geometry: draft.geometry,
      properties: { key: DRAFT_KEY, label: draftLabel, status: DRAFT_KEY, color: DRAFT_COLOR, rank: 100 },
    });
  return { type: 'FeatureCollection', features };
}
