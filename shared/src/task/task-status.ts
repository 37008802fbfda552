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
 * Whether `response` counts towards the status of `task`: an answer of a target station to this
 * very task, given after the task was last reopened (`reopenedAt`; a record without it counts
 * every answer). An answer from before the reopen is history: the raising station cannot change
 * another station's answer record, so a reopen after a target's 办结 would otherwise stay resolved.
 */
export function countsForTask(task: Task, response: TaskResponse): boolean {
  if (response.taskId !== task.id || response.taskStationId !== task.stationId) return false;
  if (!task.targetStations.includes(response.stationId)) return false;
  return task.reopenedAt == null || response.updatedAt > task.reopenedAt;
}

/**
 * The overall status of a task: a pure function of the raising station's record and the responses
 * found in the other stations' documents. Only responses from target stations for this very task,
 * given since it was last reopened, count (`countsForTask`). The raising station's own `state` wins
 * (cancelled, closed); otherwise the most advanced response wins, and `declined` only when every
 * target station declined.
 *
 * @example
 * // 禹越 answered 办结 at 5; the raising station closed and reopened the task at 9: it is live again.
 * deriveTaskStatus({ ...task, state: 'open', reopenedAt: 9 }, [{ ...answer, status: 'resolved', updatedAt: 5 }]); // 'open'
 */
export function deriveTaskStatus(task: Task, responses: Iterable<TaskResponse>): TaskStatus {
  if (task.state === 'cancelled') return 'cancelled';
  if (task.state === 'closed') return 'resolved';
  const latest = new Map<string, TaskResponse>();
  for (const r of responses) {
    if (!countsForTask(task, r)) continue;
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
