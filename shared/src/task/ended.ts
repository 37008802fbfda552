import type { TaskResponse } from '../schema/task-response.ts';
import type { Task } from '../schema/task.ts';
import type { Unit } from '../schema/unit.ts';
import { deriveTaskStatus, type TaskStatus } from './task-status.ts';

/** Derived statuses after which a task wants no units: resolved (closed derives to it) or cancelled. */
export const ENDED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['resolved', 'cancelled']);

/**
 * Ids of the tasks that have ended (`deriveTaskStatus` resolved or cancelled). A task id seen in
 * more than one document counts as ended only when every record of it has. A unit whose
 * `assignedTaskId` is in the set is free for other work even while its record still says otherwise
 * (only its own station, or a commander, may write that record).
 */
export function endedTaskIds(tasks: Iterable<Task>, responses: readonly TaskResponse[]): Set<string> {
  const ended = new Set<string>();
  const open = new Set<string>();
  for (const task of tasks) {
    if (ENDED_TASK_STATUSES.has(deriveTaskStatus(task, responses))) ended.add(task.id);
    else open.add(task.id);
  }
  for (const id of open) ended.delete(id);
  return ended;
}

/** Key of station `stationId`'s answer to task `taskId` in {@link UnitReleases.declined}. */
export function declineKey(stationId: string, taskId: string): string {
  return `${stationId}:${taskId}`;
}

/**
 * The tasks each station's newest answer declines, by `declineKey`, with when it declined. Another
 * answer since (accepted again, say) takes the decline back.
 */
export function declinedTasks(responses: Iterable<TaskResponse>): Map<string, number> {
  const newest = new Map<string, TaskResponse>();
  for (const r of responses) {
    const key = declineKey(r.stationId, r.taskId);
    const seen = newest.get(key);
    if (!seen || r.updatedAt > seen.updatedAt) newest.set(key, r);
  }
  return new Map([...newest].filter(([, r]) => r.status === 'declined').map(([key, r]) => [key, r.updatedAt]));
}

/** What frees a unit still recorded on a task (`unitReleases`). */
export interface UnitReleases {
  /** Tasks that ended (`endedTaskIds`): every unit on one is free. */
  ended: ReadonlySet<string>;
  /**
   * Tasks a station declined (`declinedTasks`), with when: that station's own units put on one
   * before the decline are free; one sent to it after (a commander's, or the station's own, later
   * choice) stays.
   */
  declined: ReadonlyMap<string, number>;
}

export const NO_RELEASES: UnitReleases = { ended: new Set(), declined: new Map() };

/** The tasks whose units are free (`endedTaskIds`, `declinedTasks`), from every task and answer of the operation. */
export function unitReleases(tasks: Iterable<Task>, responses: readonly TaskResponse[]): UnitReleases {
  return { ended: endedTaskIds(tasks, responses), declined: declinedTasks(responses) };
}

/**
 * Whether `unit` is still recorded on a task that no longer holds it: one that ended, or one its
 * own station declined after the unit was put on it (it is really available; the server writes the
 * release). A unit sent to a declined task after the decline was sent there on purpose: it stays.
 */
export function leftOnTask(
  unit: Pick<Unit, 'assignedTaskId' | 'stationId' | 'updatedAt'>,
  releases: UnitReleases,
): boolean {
  const taskId = unit.assignedTaskId;
  if (taskId === null) return false;
  if (releases.ended.has(taskId)) return true;
  const declinedAt = releases.declined.get(declineKey(unit.stationId, taskId));
  return declinedAt !== undefined && unit.updatedAt <= declinedAt;
}

/**
 * The unit as boards and rankings should treat it: one left on a task that ended, or that its own
 * station declined (`leftOnTask`), reads as available with no task until the server writes the
 * release; any other unit is returned as is. An off-duty unit stays off duty.
 */
export function effectiveUnit(unit: Unit, releases: UnitReleases): Unit {
  if (!leftOnTask(unit, releases)) return unit;
  return { ...unit, status: unit.status === 'off_duty' ? 'off_duty' : 'available', assignedTaskId: null };
}
