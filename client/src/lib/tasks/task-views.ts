import {
  COMMAND_STATION_ID,
  deriveTaskStatus,
  type Task,
  type TaskResponse,
  type TaskStatus,
  type Unit,
} from '@jointmap/shared';

/** A task as the UI shows it: the raising record, its derived status and each target's answer. */
export interface TaskView {
  /** The document the task lives in (the raising station, or `command`). */
  scope: string;
  task: Task;
  status: TaskStatus;
  /** The latest answer of each target station, by station id. */
  responses: ReadonlyMap<string, TaskResponse>;
}

/** Who looks at the tasks: only the role and the station matter here. */
export interface Viewer {
  id: string;
  role: string;
  stationId: string | null;
}

/** `<raisingStationId>/<taskId>`: unique across documents (ids are random anyway). */
export function taskKey(task: Pick<Task, 'stationId' | 'id'>): string {
  return `${task.stationId}/${task.id}`;
}

/**
 * Every task with its derived status and the answers of its target stations, newest first.
 * Answers from stations the task does not target, or for another raising station, are ignored,
 * as `deriveTaskStatus` ignores them.
 */
export function buildTaskViews(
  tasks: ReadonlyArray<{ scope: string; record: Task }>,
  responses: readonly TaskResponse[],
): TaskView[] {
  const byTask = new Map<string, TaskResponse[]>();
  for (const r of responses) {
    const key = `${r.taskStationId}/${r.taskId}`;
    const list = byTask.get(key);
    if (list) list.push(r);
    else byTask.set(key, [r]);
  }
  return tasks
    .map(({ scope, record: task }) => {
      const mine = byTask.get(taskKey(task)) ?? [];
      const latest = new Map<string, TaskResponse>();
      for (const r of mine) {
        if (!task.targetStations.includes(r.stationId)) continue;
        const prev = latest.get(r.stationId);
        if (!prev || prev.updatedAt <= r.updatedAt) latest.set(r.stationId, r);
      }
      return { scope, task, status: deriveTaskStatus(task, mine), responses: latest };
    })
    .sort((a, b) => b.task.createdAt - a.task.createdAt || a.task.id.localeCompare(b.task.id));
}

/** The station a user raises tasks for: its own, or `command` for a commander; null otherwise. */
export function raisingStationOf(viewer: Viewer): string | null {
  if (viewer.role === 'commander') return COMMAND_STATION_ID;
  if (viewer.role === 'dispatcher' && viewer.stationId) return viewer.stationId;
  return null;
}

/**
 * Tasks for me: those that target my station. A commander's inbox holds every task, and so does
 * that of an account bound to no station (a viewer).
 */
export function inboxOf(views: readonly TaskView[], viewer: Viewer): TaskView[] {
  const station = viewer.stationId;
  if (viewer.role === 'commander' || !station) return [...views];
  return views.filter((v) => v.task.targetStations.includes(station));
}

/** Tasks my station (a commander: the command) raised. */
export function raisedBy(views: readonly TaskView[], viewer: Viewer): TaskView[] {
  const station = raisingStationOf(viewer);
  return station ? views.filter((v) => v.task.stationId === station) : [];
}

/** Unread: in my inbox, not raised by me, and not opened yet. */
export function isUnread(view: TaskView, viewer: Viewer, read: ReadonlySet<string>): boolean {
  return view.task.createdBy !== viewer.id && !read.has(view.task.id);
}

/** Units assigned to a task: those whose `assignedTaskId` is the task's id (DESIGN: derived). */
export function unitsOnTask(units: readonly Unit[], taskId: string): Unit[] {
  return units
    .filter((u) => u.assignedTaskId === taskId)
    .sort((a, b) => a.stationId.localeCompare(b.stationId) || a.callsign.localeCompare(b.callsign, 'zh-CN'));
}

/** Status colours shared by the map layer, the inbox and the boards. */
export const TASK_STATUS_COLORS: Record<TaskStatus, string> = {
  open: '#dc2626',
  acknowledged: '#d97706',
  accepted: '#2563eb',
  declined: '#6b7280',
  on_scene: '#7c3aed',
  resolved: '#16a34a',
  cancelled: '#9ca3af',
};

export const TASK_PRIORITY_COLORS: Record<Task['priority'], string> = {
  low: '#64748b',
  normal: '#0284c7',
  high: '#ea580c',
  urgent: '#dc2626',
};
