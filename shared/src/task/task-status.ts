import type { ResponseStatus, TaskResponse } from '../schema/task-response.ts';
import type { Task } from '../schema/task.ts';

export const TaskStatus = {
  open: 'open',
  acknowledged: 'acknowledged',
  accepted: 'accepted',
  declined: 'declined',
  on_scene: 'on_scene',
  resolved: 'resolved',
  cancelled: 'cancelled',
} as const;
export type TaskStatus = keyof typeof TaskStatus;

const rank: Record<ResponseStatus, number> = { declined: 0, acknowledged: 1, accepted: 2, on_scene: 3, resolved: 4 };

/**
 * The overall status of a task: a pure function of the raising station's record and the responses
 * found in the other stations' documents. Only responses from target stations for this very task
 * count. The raising station's own `state` wins (cancelled, closed); otherwise the most advanced
 * response wins, and `declined` only when every target station declined.
 */
export function deriveTaskStatus(task: Task, responses: Iterable<TaskResponse>): TaskStatus {
  if (task.state === 'cancelled') return 'cancelled';
  if (task.state === 'closed') return 'resolved';
  const latest = new Map<string, TaskResponse>();
  for (const r of responses) {
    if (r.taskId !== task.id || r.taskStationId !== task.stationId) continue;
    if (!task.targetStations.includes(r.stationId)) continue;
    const prev = latest.get(r.stationId);
    if (!prev || prev.updatedAt <= r.updatedAt) latest.set(r.stationId, r);
  }
  if (latest.size === 0) return 'open';
  let best: ResponseStatus = 'declined';
  for (const r of latest.values()) if (rank[r.status] > rank[best]) best = r.status;
  if (best === 'declined') {
    return task.targetStations.every((s) => latest.get(s)?.status === 'declined') ? 'declined' : 'open';
  }
  return best;
}
